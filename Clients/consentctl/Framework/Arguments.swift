/// An option a command (or the tool itself) accepts.
public struct OptionSpec: Sendable {
    public var name: String
    /// nil for a switch (`--json`).
    public var valueName: String?
    public var help: String
    public var repeatable = false

    public init(name: String, valueName: String?, help: String, repeatable: Bool = false) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.repeatable = repeatable
    }

    public static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, repeatable: repeatable)
    }

    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
}

/// Options and positional arguments after parsing.
public struct ParsedArguments: Sendable {
    /// Every value given for each option, in order (`"true"` for a switch).
    public var values: [String: [String]] = [:]
    public var positionals: [String] = []

    public init(values: [String: [String]] = [:], positionals: [String] = []) {
        self.values = values
        self.positionals = positionals
    }

    public func has(_ name: String) -> Bool { values[name] != nil }
    /// The last value given for `name`.
    public subscript(name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    /// The value of a required option.
    public func required(_ name: String) throws(CLIError) -> String {
        guard let value = self[name], !value.isEmpty else { throw .usage("--\(name) is required") }
        return value
    }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int> = 0...Int.max) throws(CLIError) -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text.replacingUnderscores), range.contains(value) else {
            throw .usage("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// A number option (seconds, a rate). `range` excludes NaN and infinities by construction.
    public func double(_ name: String, default fallback: Double, range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws(CLIError) -> Double {
        guard let text = self[name] else { return fallback }
        guard let value = Double(text.replacingUnderscores), range.contains(value) else {
            let bounds = range.upperBound == .greatestFiniteMagnitude
                ? "of at least \(Self.format(range.lowerBound))" : "from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
            throw .usage("--\(name) must be a number \(bounds), not '\(text)'")
        }
        return value
    }

    public func positional(_ index: Int, _ name: String) throws(CLIError) -> String {
        guard index < positionals.count else { throw .usage("missing \(name)") }
        return positionals[index]
    }

    private static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

extension String {
    /// `1_000_000` reads as `1000000`, as in Swift literals: load runs use big numbers.
    fileprivate var replacingUnderscores: String { filter { $0 != "_" } }
}

public enum ArgumentParser {
    /// Parses `arguments` against `specs`. `--name value`, `--name=value` and
    /// switches; `-h` is `--help`; `--` ends the options.
    /// - Throws: `CLIError.usage` for an unknown option, a missing value, or a
    ///   non-repeatable option given twice.
    public static func parse(_ arguments: ArraySlice<String>, specs: [OptionSpec]) throws(CLIError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = arguments.startIndex
        var optionsEnded = false
        while index < arguments.endIndex {
            var argument = arguments[index]
            index += 1
            if !optionsEnded && argument == "-h" && specs.contains(where: { $0.name == "help" }) { argument = "--help" }
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
                let close = specs.map(\.name).filter { $0.hasPrefix(String(name.prefix(3))) }
                throw .usage("unknown option --\(name)" + (close.isEmpty ? "" : " (did you mean \(close.map { "--" + $0 }.joined(separator: " or "))?)"))
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
    public static func describe(_ specs: [OptionSpec]) -> [String] {
        let flags = specs.map { "--\($0.name)" + ($0.valueName.map { " \($0)" } ?? "") }
        let width = flags.map(\.count).max() ?? 0
        return zip(flags, specs).map { flag, spec in
            "  " + flag + String(repeating: " ", count: width - flag.count + 2) + spec.help + (spec.repeatable ? " (repeatable)" : "")
        }
    }
}
