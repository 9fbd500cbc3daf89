#if canImport(Glibc)
import Glibc
#endif

/// A tool made of subcommands (`consentctl`): finds the command, parses its
/// options and the global ones, resolves the connection settings, runs it and
/// turns its `CLIError` into an exit code and a message on standard error.
public struct CommandLineTool: Sendable {
    public var name: String
    /// The first line of `--help`.
    public var tagline: String
    /// In the order `--help` lists them.
    public var commands: [Command]
    /// The exit-code paragraph of every help text.
    public var exitCodes: String
    /// Where results and help go (standard output).
    public var standardOutput: @Sendable (String) -> Void
    /// Where failures go (standard error).
    public var standardError: @Sendable (String) -> Void
    /// Where `-` arguments are read from (standard input, line by line).
    public var standardInput: @Sendable () -> String?
    /// How commands reach the hub (`.network` unless a test gives a transport).
    public var connector: Connector

    public init(
        name: String, tagline: String, commands: [Command], exitCodes: String,
        standardOutput: @escaping @Sendable (String) -> Void = CommandLineTool.printOutput,
        standardError: @escaping @Sendable (String) -> Void = CommandLineTool.printError,
        standardInput: @escaping @Sendable () -> String? = { readLine(strippingNewline: true) },
        connector: Connector = .network
    ) {
        self.name = name
        self.tagline = tagline
        self.commands = commands
        self.exitCodes = exitCodes
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.standardInput = standardInput
        self.connector = connector
    }

    /// Runs one command line and returns the process exit code.
    public func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        do {
            try dispatch(arguments, environment: environment)
            return 0
        } catch {
            standardError("\(name): \(error.message)")
            return error.exitCode
        }
    }

    private func dispatch(_ arguments: [String], environment: [String: String]) throws(CLIError) {
        // The command is the first argument that is neither a global option nor its value.
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "-" {
            let name = String(arguments[index].drop { $0 == "-" }.prefix { $0 != "=" })
            let takesValue = GlobalOptions.specs.first { $0.name == name }?.valueName != nil
            index += (takesValue && !arguments[index].contains("=")) ? 2 : 1
        }
        guard index < arguments.count else {
            standardOutput(mainHelp())
            if arguments.contains("--help") || arguments.contains("-h") { return }
            throw .usage("no command given")
        }
        let commandName = arguments[index]
        if commandName == "help" {
            if let (command, _) = lookup(arguments, at: index + 1) {
                standardOutput(help(for: command))
            } else {
                standardOutput(mainHelp())
            }
            return
        }
        guard let (command, words) = lookup(arguments, at: index) else {
            let verbs = commands.map(\.name).filter { $0.hasPrefix(commandName + " ") }
            if !verbs.isEmpty {
                throw .usage("'\(commandName)' needs one of: \(verbs.map { String($0.dropFirst(commandName.count + 1)) }.joined(separator: ", ")) (\(name) --help lists them)")
            }
            let close = commands.map(\.name).filter { $0.hasPrefix(String(commandName.prefix(3))) }
            throw .usage("unknown command '\(commandName)'" + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?") + " (\(name) --help lists them)")
        }
        var rest = arguments
        rest.removeSubrange(index..<(index + words))
        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser.parse(rest[...], specs: GlobalOptions.specs + command.options)
        } catch {
            throw .usage("\(error.message)\n  usage: \(name) \(command.usage)")
        }
        if parsed.has("help") {
            standardOutput(help(for: command))
            return
        }
        let settings = try ConnectionSettings.resolve(parsed, environment: environment)
        let output = Output(json: parsed.has("json"), write: standardOutput)
        try command.run(Invocation(
            arguments: parsed, settings: settings, output: output, environment: environment,
            connector: connector, readLine: standardInput))
    }

    /// The command named at `index`: a two-word name (`request create`) wins
    /// over a one-word one, so nouns can group their verbs.
    /// - Returns: the command and how many words its name took.
    func lookup(_ arguments: [String], at index: Int) -> (Command, Int)? {
        guard index < arguments.count else { return nil }
        if index + 1 < arguments.count, let pair = commands.first(where: { $0.name == arguments[index] + " " + arguments[index + 1] }) {
            return (pair, 2)
        }
        return commands.first { $0.name == arguments[index] }.map { ($0, 1) }
    }

    /// One line on standard error, written at once (not buffered with stdout).
    @Sendable public static func printError(_ line: String) {
        writeLine(line, to: 2)
    }

    /// Text and a newline on standard output, written at once: a pipe sees
    /// each result (each event of `watch`) as it comes, in order with standard error.
    @Sendable public static func printOutput(_ text: String) {
        writeLine(text, to: 1)
    }

    private static func writeLine(_ line: String, to descriptor: Int32) {
        var text = line + "\n"
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    public func mainHelp() -> String {
        let width = commands.map(\.name.count).max() ?? 0
        var lines = [
            tagline,
            "",
            "usage: \(name) [connection options] <command> [options] [arguments]",
            "",
            "commands:",
        ]
        for command in commands {
            lines.append("  " + command.name + String(repeating: " ", count: width - command.name.count + 2) + command.summary)
        }
        lines += ["", "connection and output options (any command):"]
        lines += ArgumentParser.describe(GlobalOptions.specs)
        lines += ["", "`\(name) <command> --help` explains a command.", "", exitCodes]
        return lines.joined(separator: "\n")
    }

    public func help(for command: Command) -> String {
        var lines = ["usage: \(name) \(command.usage)", "", command.summary]
        if !command.details.isEmpty { lines += ["", command.details] }
        if !command.options.isEmpty {
            lines += ["", "options:"]
            lines += ArgumentParser.describe(command.options)
        }
        lines += ["", "connection and output options: see \(name) --help", "", exitCodes]
        return lines.joined(separator: "\n")
    }
}
