import ConsentRPC

/// One subcommand of a command-line tool (`consentctl health`).
public struct Command: Sendable {
    public var name: String
    /// One line for the command list.
    public var summary: String
    /// The synopsis after the tool's name, e.g. `ping [--count N]`.
    public var usage: String
    /// Longer explanation and an example, shown by `consentctl NAME --help`.
    public var details: String = ""
    public var options: [OptionSpec] = []
    public var run: @Sendable (Invocation) throws(CLIError) -> Void

    public init(
        name: String, summary: String, usage: String, details: String = "", options: [OptionSpec] = [],
        run: @escaping @Sendable (Invocation) throws(CLIError) -> Void
    ) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.details = details
        self.options = options
        self.run = run
    }
}

/// What a command gets to work with.
public struct Invocation {
    public var arguments: ParsedArguments
    public var settings: ConnectionSettings
    public var output: Output
    public var environment: [String: String]
    /// How the command reaches the hub (a TLS connection from `settings`, or a given transport).
    public var connector: Connector
    /// The next line of standard input without its newline, nil at its end
    /// (for `-` arguments and `--batch -`).
    public var readLine: @Sendable () -> String?

    public init(
        arguments: ParsedArguments, settings: ConnectionSettings, output: Output, environment: [String: String],
        connector: Connector = .network, readLine: @escaping @Sendable () -> String? = { Swift.readLine(strippingNewline: true) }
    ) {
        self.arguments = arguments
        self.settings = settings
        self.output = output
        self.environment = environment
        self.connector = connector
        self.readLine = readLine
    }
}

/// How a command reaches the hub.
public enum Connector: Sendable {
    /// A TLS connection per command from the connection settings (`--server`,
    /// `--ca`, `--cert`, `--key`): what the executable does.
    case network
    /// A transport the caller holds open and closes (tests call commands in
    /// process through `ConsentTesting.InProcessClient`); the connection
    /// settings' server and TLS files are then not used, their metadata
    /// (`--user-id`, `--acting-for`, …) and `--timeout` are.
    case transport(any ClientTransport)
}

/// Options every command accepts.
public enum GlobalOptions {
    public static let specs: [OptionSpec] = ConnectionSettings.optionSpecs + [
        .flag("json", "print results as JSON for scripts"),
        .flag("help", "show help"),
    ]
}
