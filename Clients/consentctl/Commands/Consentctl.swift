/// `consentctl`: every RPC of ConsentHub from a shell. The commands live in
/// this library (ConsentctlCommands) so that tests run them in process with
/// arguments, a transport and captured output; the executable is a thin `main`.
public enum Consentctl {
    /// Every subcommand, in the order `--help` lists them.
    static let commands: [Command] = HealthCommands.all + DevCertsCommand.all + RegistryCommands.all + VendorCommands.all + ConsentCommands.all + TokenCommands.all

    static let exitCodes = """
        exit codes: 0 success, 1 the server refused (the message names the status code),
                    2 usage error, 3 no answer (cannot connect, TLS failure, connection lost),
                    4 local error (a file that cannot be read or written)
        """

    /// The tool: the commands above plus the framework's `profile`, writing
    /// to standard output and error and reading standard input.
    public static let tool = makeTool()

    /// The tool with its input, output and way to the hub given.
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
            name: "consentctl", tagline: "consentctl — drive ConsentHub from a shell",
            commands: commands + ProfileCommand.all, exitCodes: exitCodes,
            standardOutput: standardOutput, standardError: standardError, standardInput: standardInput, connector: connector)
    }

    /// Runs one command line and returns the process exit code.
    public static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        tool.run(arguments, environment: environment)
    }
}
