/// One `consentctl` subcommand.
struct Command: Sendable {
    var name: String
    /// One line for the command list.
    var summary: String
    /// The synopsis after `consentctl`, e.g. `ping [--count N]`.
    var usage: String
    /// Longer explanation and an example, shown by `consentctl NAME --help`.
    var details: String = ""
    var options: [OptionSpec] = []
    var run: @Sendable (Invocation) throws(CLIError) -> Void
}

/// What a command gets to work with.
struct Invocation {
    var arguments: ParsedArguments
    var settings: ConnectionSettings
    var output: Output
    var environment: [String: String]
}

/// Options every command accepts.
enum GlobalOptions {
    static let specs: [OptionSpec] = ConnectionSettings.optionSpecs + [
        .flag("json", "print results as JSON for scripts"),
        .flag("help", "show help"),
    ]
}
