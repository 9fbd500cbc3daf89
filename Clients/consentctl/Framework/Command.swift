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

    public init(arguments: ParsedArguments, settings: ConnectionSettings, output: Output, environment: [String: String]) {
        self.arguments = arguments
        self.settings = settings
        self.output = output
        self.environment = environment
    }
}

/// Options every command accepts.
public enum GlobalOptions {
    public static let specs: [OptionSpec] = ConnectionSettings.optionSpecs + [
        .flag("json", "print results as JSON for scripts"),
        .flag("help", "show help"),
    ]
}
