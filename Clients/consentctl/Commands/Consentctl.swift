/// `consentctl`: every RPC of ConsentHub from a shell.
public enum Consentctl {
    /// Every subcommand, in the order `--help` lists them.
    static let commands: [Command] = HealthCommands.all + DevCertsCommand.all + RegistryCommands.all + TemplateCommands.all + VendorCommands.all + ConsentCommands.all + TokenCommands.all

    static let exitCodes = """
        exit codes: 0 success, 1 the server refused (the message names the status code),
                    2 usage error, 3 no answer (cannot connect, TLS failure, connection lost),
                    4 local error (a file that cannot be read or written)
        """

    /// The tool: the commands above plus the framework's `profile`.
    static let tool = CommandLineTool(
        name: "consentctl", tagline: "consentctl — drive ConsentHub from a shell",
        commands: commands + ProfileCommand.all, exitCodes: exitCodes)

    /// Runs one command line and returns the process exit code.
    public static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        tool.run(arguments, environment: environment)
    }

    /// One line on standard error.
    static func printError(_ line: String) {
        CommandLineTool.printError(line)
    }

    static func mainHelp() -> String { tool.mainHelp() }

    static func help(for command: Command) -> String { tool.help(for: command) }

}
