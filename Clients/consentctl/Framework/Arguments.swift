/// An option a command (or consentctl itself) accepts.
struct OptionSpec: Sendable {
    var name: String
    /// nil for a switch (`--json`).
    var valueName: String?
    var help: String
    var repeatable = false

    static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, repeatable: repeatable)
    }

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
}

/// Options and positional arguments after parsing.
struct ParsedArguments {
    var values: [String: [String]] = [:]
    var positionals: [String] = []

    func has(_ name: String) -> Bool { values[name] != nil }
    subscript(name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// The value of a required option.
    func required(_ name: String) throws(CLIError) -> String {
        guard let value = self[name], !value.isEmpty else { throw .usage("--\(name) is required") }
        return value
    }

    func int(_ name: String, default fallback: Int, range: ClosedRange<Int> = 0...Int.max) throws(CLIError) -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .usage("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    func positional(_ index: Int, _ name: String) throws(CLIError) -> String {
        guard index < positionals.count else { throw .usage("missing \(name)") }
        return positionals[index]
    }
}

enum ArgumentParser {
    /// Parses `arguments` against `specs`. `--name value`, `--name=value` and
    /// switches; `--` ends the options.
    static func parse(_ arguments: ArraySlice<String>, specs: [OptionSpec]) throws(CLIError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = arguments.startIndex
        var optionsEnded = false
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("--") || argument == "-" {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw .usage("unknown option --\(name)")
            }
            let value: String
            if let inline {
                value = inline
            } else if spec.valueName == nil {
                value = "true"
            } else {
                guard index < arguments.endIndex else { throw .usage("--\(name) needs a \(spec.valueName!)") }
                value = arguments[index]
                index += 1
            }
            if parsed.values[name] != nil && !spec.repeatable && spec.valueName != nil {
                throw .usage("--\(name) given twice")
            }
            parsed.values[name, default: []].append(value)
        }
        return parsed
    }

    /// Help lines for a list of options, aligned.
    static func describe(_ specs: [OptionSpec]) -> [String] {
        let flags = specs.map { "--\($0.name)" + ($0.valueName.map { " \($0)" } ?? "") }
        let width = flags.map(\.count).max() ?? 0
        return zip(flags, specs).map { flag, spec in
            "  " + flag + String(repeating: " ", count: width - flag.count + 2) + spec.help + (spec.repeatable ? " (repeatable)" : "")
        }
    }
}
