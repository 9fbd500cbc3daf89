import ConsentRPC
import Foundation
import Testing

/// docs/REASONS.md lists every `x-consent-reason` the server can send, with
/// its status. Held to the sources: a reason the server can send that is
/// missing there, listed with another status, or listed but no longer sent
/// fails here (the scanner: ReasonScanner.swift).
struct ReasonTableTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The table's rows: reason → the statuses in its status cell ("A or B").
    static func documentedReasons() throws -> [String: Set<String>] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/REASONS.md"), encoding: .utf8)
        var rows: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { throw SetupError("docs/REASONS.md: the row '\(line)' has fewer than 3 cells") }
            let reason = cells[0].replacingOccurrences(of: "`", with: "")
            guard rows[reason] == nil else { throw SetupError("docs/REASONS.md lists \(reason) twice") }
            rows[reason] = Set(cells[1].components(separatedBy: " or ").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return rows
    }

    @Test func everyReasonTheServerSendsIsInTheTableWithItsStatus() throws {
        let table = try Self.documentedReasons()
        let sent = try ReasonScanner.scan(packageRoot: Self.packageRoot)
        // The scanner must see the reasons of every layer; if it saw none of one, it broke.
        #expect(sent.count > 100, "the scanner found only \(sent.count) reasons")
        for reason in ["method_unknown", "used_in_future", "metadata_too_large", "token_expired", "not_leader", "owner_name_missing"] {
            #expect(sent[reason] != nil, "the scanner no longer finds \(reason)")
        }
        for (reason, found) in sent.sorted(by: { $0.key < $1.key }) {
            guard !found.statuses.isEmpty else {
                Issue.record("cannot tell the status of \(reason) (\(found.locations.joined(separator: ", "))): make the refusal name its status in the same call")
                continue
            }
            guard let documented = table[reason] else {
                Issue.record("\(reason) (\(found.statuses.sorted().joined(separator: " or ")); \(found.locations.joined(separator: ", "))) is not in docs/REASONS.md: add a row")
                continue
            }
            #expect(documented == found.statuses,
                    "docs/REASONS.md gives \(reason) the status \(documented.sorted().joined(separator: " or ")); the server sends \(found.statuses.sorted().joined(separator: " or ")) (\(found.locations.joined(separator: ", ")))")
        }
        for reason in table.keys.sorted() where sent[reason] == nil {
            Issue.record("docs/REASONS.md lists \(reason), which the server no longer sends: remove the row")
        }
    }

    @Test func theTableUsesGRPCStatusNames() throws {
        let names = Set(StatusCode.allDefined.map(\.name))
        for (reason, statuses) in try Self.documentedReasons() {
            for status in statuses where !names.contains(status) {
                Issue.record("docs/REASONS.md: \(reason) has the status \(status), which is not a gRPC status name")
            }
            #expect(!statuses.contains("OK"), "\(reason) is a refusal, not OK")
        }
    }

    /// The scanner on each shape of refusal the sources use, and on what must
    /// not count: a reason-like text in a comment or inside a message.
    @Test func theScannerReadsEachShapeOfRefusal() throws {
        let source = #"""
            // An old refusal: DomainError(.notFound, reason: "in_a_comment", message: "…")
            static func a(_ x: Int) -> DomainError {
                DomainError(.outOfRange, reason: "labelled", message: "value \(x.description(of: "in_interpolation")) is out of range (reason: \"in_message\")")
            }
            static func b() -> RPCError {
                RPCError(
                    .unavailable, "closing (\(reason ?? "none"))",
                    trailers: [ErrorTrailers.reason: "trailer_key"])
            }
            static let t = make(.unauthenticated, "made", "The token is refused.")
            static func c(_ field: String) -> RPCError { invalid("\(field).kind", reason: "helper", "unknown") }
            func d() -> CallResult { ErrorTrailers.resourceExhausted("slow down", reason: "callee_status", retryAfterMilliseconds: 5) }
            func e(known: Bool) -> RPCError {
                RPCError(known ? .permissionDenied : .unauthenticated, "gone", trailers: [DomainErrorMapping.reasonKey: "either"])
            }
            public static let someReason = "constant"
            func f() -> RPCError {
                let trailers: Metadata = [DomainErrorMapping.reasonKey: Self.someReason]
                return RPCError(.unavailable, "not here", trailers: trailers)
            }
            """#
        let found = try ReasonScanner.scan([(path: "Example.swift", text: source)])
        #expect(found.mapValues(\.statuses) == [
            "labelled": ["OUT_OF_RANGE"],
            "trailer_key": ["UNAVAILABLE"],
            "made": ["UNAUTHENTICATED"],
            "helper": ["INVALID_ARGUMENT"],
            "callee_status": ["RESOURCE_EXHAUSTED"],
            "either": ["PERMISSION_DENIED", "UNAUTHENTICATED"],
            "constant": ["UNAVAILABLE"],
        ])
        #expect(found["labelled"]?.locations == ["Example.swift:3"])
    }
}
