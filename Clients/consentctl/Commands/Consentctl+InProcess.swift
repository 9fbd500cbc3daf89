// consentctl's commands are a library (ConsentctlCommands) so that tests run
// them in process; the executable is a thin `main` that calls `Consentctl.run`.
extension Consentctl {
    /// The tool with its input, output and way to the hub given: tests run
    /// commands in process this way.
    /// - Parameters:
    ///   - standardOutput: each result (a line or block, without its final newline).
    ///   - standardError: each failure line.
    ///   - standardInput: the next line without its newline, nil at the end.
    ///   - connector: `.network` (TLS from the connection settings) or a transport held open by the caller.
    public static func makeTool(
        standardOutput: @escaping @Sendable (String) -> Void = CommandLineTool.printOutput,
        standardError: @escaping @Sendable (String) -> Void = CommandLineTool.printError,
        standardInput: @escaping @Sendable () -> String? = { readLine(strippingNewline: true) },
        connector: Connector = .network
    ) -> CommandLineTool {
        CommandLineTool(
            name: tool.name, tagline: tool.tagline, commands: tool.commands, exitCodes: tool.exitCodes,
            standardOutput: standardOutput, standardError: standardError, standardInput: standardInput, connector: connector)
    }
}
