import ConsentServer
import Foundation
import Testing

/// docs/PROTOCOL.md names consentd's options as integrators and operators
/// type them: every name it gives must be one `consentd --help` lists, and
/// every option that sets a limit must be in its limits table (§9).
struct ProtocolDocumentTests {
    static let document = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/PROTOCOL.md")

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// The backticked names in the "option / config key" column of every table of §9.
    static func limitTableOptionNames(in text: String) throws -> [String] {
        guard let start = text.range(of: "\n## 9. Limits"), let end = text.range(of: "\n## 10.", range: start.upperBound..<text.endIndex) else {
            throw Malformed(description: "docs/PROTOCOL.md has no section 9. Limits followed by 10.")
        }
        var names: [String] = []
        var column: Int? = nil
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            guard line.hasPrefix("|") else {
                column = nil
                continue
            }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let index = column else {
                // A table's header row: find its option column.
                column = cells.firstIndex(of: "option / config key")
                if column == nil { throw Malformed(description: "a table of §9 has no 'option / config key' column: \(line)") }
                continue
            }
            if cells.allSatisfy({ $0.allSatisfy { $0 == "-" } }) { continue }
            guard index < cells.count else { throw Malformed(description: "the §9 row '\(line)' is short") }
            names += backticked(cells[index])
        }
        return names
    }

    static func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test func theLimitsTableNamesConsentdsOptions() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        let known = Set(ServerOptions.all.map(\.name))
        let inTable = try Self.limitTableOptionNames(in: text)
        #expect(inTable.count >= 15, "§9 names only \(inTable.count) options; did the table's shape change?")
        for name in inTable where !known.contains(name) {
            Issue.record("docs/PROTOCOL.md §9 names the option `\(name)`, which consentd does not have (consentd --help)")
        }
        // Elsewhere in the text: "config `name`" and "`--name`".
        let prose = try Regex(#"config `([^`]+)`|`--([a-z0-9-]+)`"#)
        for match in text.matches(of: prose) {
            guard let range = match.output[1].range ?? match.output[2].range else { continue }
            let name = String(text[range])
            if !known.contains(name) {
                Issue.record("docs/PROTOCOL.md names the option `\(name)`, which consentd does not have (consentd --help)")
            }
        }
        // Every option that sets a limit is in the table.
        let limits = ServerOptions.all.map(\.name).filter {
            $0.hasPrefix("max-") || $0.hasSuffix("-timeout") || $0.hasSuffix("-per-second")
                || ["code-lifetime", "token-lifetime", "request-ttl", "expiry-interval"].contains($0)
        }
        #expect(limits.count >= 15)
        for name in limits where !inTable.contains(name) {
            Issue.record("consentd's limit option `\(name)` is not in docs/PROTOCOL.md §9's limits table")
        }
    }

    /// The table parser itself, on a table with a wrong name, so the check above can fail.
    @Test func aWrongNameInTheTableIsFound() throws {
        let text = """
            ## 9. Limits

            | limit | default | option / config key | on excess |
            |---|---|---|---|
            | frame size | 4 MiB | `max_frame_bytes` | GoAway |
            | pending handshakes | 256, 64 | `max-pending-handshakes`, `max-pending-handshakes-per-address` | closed |
            | output | 1 MiB | fixed | — |

            ## 10. Next
            """
        let names = try Self.limitTableOptionNames(in: "\n" + text)
        #expect(names == ["max_frame_bytes", "max-pending-handshakes", "max-pending-handshakes-per-address"])
        #expect(!Set(ServerOptions.all.map(\.name)).contains("max_frame_bytes"))
    }
}
