#if canImport(Glibc)
import Glibc
#endif

/// `consentctl`: every RPC of ConsentHub from a shell.
enum Consentctl {
    /// Every subcommand, in the order `--help` lists them.
    static let commands: [Command] = HealthCommands.all + DevCertsCommand.all + RegistryCommands.all + ConsentCommands.all + TokenCommands.all

    static let exitCodes = """
        exit codes: 0 success, 1 the server refused (the message names the status code),
                    2 usage error, 3 no answer (cannot connect, TLS failure, connection lost),
                    4 local error (a file that cannot be read or written)
        """

    /// Runs one command line and returns the process exit code.
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        do {
            try dispatch(arguments, environment: environment)
            return 0
        } catch {
            printError("consentctl: \(error.message)")
            return error.exitCode
        }
    }

    private static func dispatch(_ arguments: [String], environment: [String: String]) throws(CLIError) {
        // The command is the first argument that is neither a global option nor its value.
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("--") {
            let name = String(arguments[index].dropFirst(2).prefix { $0 != "=" })
            let takesValue = GlobalOptions.specs.first { $0.name == name }?.valueName != nil
            index += (takesValue && !arguments[index].contains("=")) ? 2 : 1
        }
        guard index < arguments.count else {
            print(mainHelp())
            if arguments.contains("--help") { return }
            throw .usage("no command given")
        }
        let name = arguments[index]
        if name == "help" {
            if let (command, _) = lookup(arguments, at: index + 1) {
                print(help(for: command))
            } else {
                print(mainHelp())
            }
            return
        }
        guard let (command, words) = lookup(arguments, at: index) else {
            let verbs = commands.map(\.name).filter { $0.hasPrefix(name + " ") }
            if !verbs.isEmpty {
                throw .usage("'\(name)' needs one of: \(verbs.map { String($0.dropFirst(name.count + 1)) }.joined(separator: ", ")) (consentctl --help lists them)")
            }
            let close = commands.map(\.name).filter { $0.hasPrefix(String(name.prefix(3))) }
            throw .usage("unknown command '\(name)'" + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?") + " (consentctl --help lists them)")
        }
        var rest = arguments
        rest.removeSubrange(index..<(index + words))
        let parsed: ParsedArguments
        do {
            parsed = try ArgumentParser.parse(rest[...], specs: GlobalOptions.specs + command.options)
        } catch {
            throw .usage("\(error.message)\n  usage: consentctl \(command.usage)")
        }
        if parsed.has("help") {
            print(help(for: command))
            return
        }
        let settings = try ConnectionSettings.resolve(parsed, environment: environment)
        try command.run(Invocation(arguments: parsed, settings: settings, output: Output(json: parsed.has("json")), environment: environment))
    }

    /// The command named at `index`: a two-word one (`request create`) or a
    /// one-word one (`health`), with the number of words it took.
    static func lookup(_ arguments: [String], at index: Int) -> (Command, Int)? {
        guard index < arguments.count else { return nil }
        if index + 1 < arguments.count, let pair = commands.first(where: { $0.name == arguments[index] + " " + arguments[index + 1] }) {
            return (pair, 2)
        }
        return commands.first { $0.name == arguments[index] }.map { ($0, 1) }
    }

    /// One line on standard error.
    static func printError(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    static func mainHelp() -> String {
        let width = commands.map(\.name.count).max() ?? 0
        var lines = [
            "consentctl — drive ConsentHub from a shell",
            "",
            "usage: consentctl [connection options] <command> [options] [arguments]",
            "",
            "commands:",
        ]
        for command in commands {
            lines.append("  " + command.name + String(repeating: " ", count: width - command.name.count + 2) + command.summary)
        }
        lines += ["", "connection and output options (any command):"]
        lines += ArgumentParser.describe(GlobalOptions.specs)
        lines += ["", "`consentctl <command> --help` explains a command.", "", exitCodes]
        return lines.joined(separator: "\n")
    }

    static func help(for command: Command) -> String {
        var lines = ["usage: consentctl \(command.usage)", "", command.summary]
        if !command.details.isEmpty { lines += ["", command.details] }
        if !command.options.isEmpty {
            lines += ["", "options:"]
            lines += ArgumentParser.describe(command.options)
        }
        lines += ["", "connection and output options: see consentctl --help", "", exitCodes]
        return lines.joined(separator: "\n")
    }
}
