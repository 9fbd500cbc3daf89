import Testing
@testable import ConsentServer

/// `--idle-timeout 1e20` trapped in `Int64(seconds * 1000)` when the server
/// built its transport configuration (review, minor finding).
@Suite("Seconds options")
struct SecondsOptionTests {
    @Test("a seconds option over 30 days is refused with a clear error instead of trapping later", arguments: [
        "idle-timeout", "handshake-timeout", "shutdown-timeout",
    ])
    func hugeSecondsRefused(option: String) {
        do {
            _ = try ServerOptions.parse(["--\(option)", "1e20"])
            Issue.record("--\(option) 1e20 was accepted")
        } catch {
            #expect(error.message == "--\(option): \(option) must be at most 2592000 seconds (30 days), not '1e20'")
        }
    }

    @Test("30 days exactly is accepted")
    func thirtyDaysAccepted() throws {
        let command = try ServerOptions.parse(["--idle-timeout", "2592000"])
        guard case .serve(let configuration) = command else {
            Issue.record("expected serve, got \(command)")
            return
        }
        #expect(configuration.idleTimeoutSeconds == 2_592_000)
    }
}
