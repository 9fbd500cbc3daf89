import Foundation
import Testing
@testable import ConsentCLI

/// The argument parser every consentctl command (and consent-load) uses.
@Suite struct ArgumentTests {
    static let specs: [OptionSpec] = [
        .value("count", "N", "how many"),
        .value("server-name", "NAME", "names", repeatable: true),
        .value("rate", "R", "a rate"),
        .flag("json", "json"),
        .flag("help", "help"),
    ]

    static func parse(_ arguments: String...) throws(CLIError) -> ParsedArguments {
        try ArgumentParser.parse(arguments[...], specs: specs)
    }

    @Test func valuesSwitchesAndPositionals() throws {
        let parsed = try Self.parse("a", "--count", "3", "--json", "b", "--rate=1.5", "--server-name", "x", "--server-name=y")
        #expect(parsed.positionals == ["a", "b"])
        #expect(parsed["count"] == "3" && parsed.has("json") && parsed["rate"] == "1.5")
        #expect(parsed.all("server-name") == ["x", "y"])
        #expect(!parsed.has("help"))
    }

    @Test func doubleDashEndsOptionsAndDashHIsHelp() throws {
        let parsed = try Self.parse("-h", "--", "--count", "-")
        #expect(parsed.has("help"))
        #expect(parsed.positionals == ["--count", "-"])
    }

    @Test func mistakesAreUsageErrorsThatSayWhat() {
        func message(_ arguments: String...) -> String? {
            do {
                _ = try ArgumentParser.parse(arguments[...], specs: Self.specs)
                return nil
            } catch {
                #expect(error.exitCode == 2)
                return error.message
            }
        }
        #expect(message("--cuont", "3") == "unknown option --cuont")
        #expect(message("--cou", "3") == "unknown option --cou (did you mean --count?)")
        #expect(message("--count") == "--count needs a N")
        #expect(message("--count", "1", "--count", "2") == "--count given twice")
        #expect(message("--json", "--json") == nil, "a switch may repeat")
    }

    @Test func numbersAreCheckedAgainstTheirRange() throws {
        let parsed = try Self.parse("--count", "1_000", "--rate", "2.5")
        #expect(try parsed.int("count", default: 0) == 1000)
        #expect(try parsed.double("rate", default: 0) == 2.5)
        #expect(try parsed.int("missing", default: 7) == 7)
        #expect(throws: CLIError.self) { try parsed.int("count", default: 0, range: 1...10) }
        #expect(throws: CLIError.self) { try Self.parse("--rate", "fast").double("rate", default: 0) }
        #expect(throws: CLIError.self) { try Self.parse("--rate", "nan").double("rate", default: 0) }
        #expect(throws: CLIError.self) { try parsed.positional(0, "FILE") }
    }

    @Test func helpLinesAreAligned() {
        let lines = ArgumentParser.describe(Self.specs)
        #expect(lines[0].hasPrefix("  --count N  "))
        #expect(lines[1].hasSuffix("names (repeatable)"))
        // Every help text starts in the same column.
        let columns = zip(lines, Self.specs).map { line, spec in line.distance(from: line.startIndex, to: line.range(of: spec.help, options: .backwards)!.lowerBound) }
        #expect(Set(columns).count == 1)
    }
}
