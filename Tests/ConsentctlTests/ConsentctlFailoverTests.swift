import ConsentTesting
import Foundation
import Testing

/// consentctl with several nodes sharing one PostgreSQL database: `--server`
/// lists them, and the command reaches the active one through a standby's hint
/// (the commands in process, over TLS to the real nodes).
@Suite struct ConsentctlFailoverTests {
    @Test func aCommandGivenTheStandbyFirstReachesTheActiveNodeAndHealthNamesIt() async throws {
        let active = try TestHub(storage: .postgres)
        let standby = try TestHub(postgres: active.postgres, waitUntilActive: false)
        for _ in 0..<600 where standby.server.ledger.role.leader == nil { usleep(100_000) }
        let activeAddress = "127.0.0.1:\(active.port)"
        #expect(standby.server.ledger.role == .standby(leader: activeAddress))

        // The standby alone: NOT_SERVING, exit 1, and who is active.
        let alone = InProcessConsentctl.run(["health"], as: "consumer", on: standby)
        #expect(alone.status == 1)
        #expect(alone.stdout.contains("NOT_SERVING (standby; the active node is \(activeAddress))"), "\(alone.stdout)")

        // Both, the standby first: the command reaches the active node.
        let both = InProcessConsentctl.run(
            ["--server", "127.0.0.1:\(standby.port),\(activeAddress)", "health"], as: "consumer", on: standby)
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.hasPrefix("SERVING (the active node, \(activeAddress))"), "\(both.stdout)")
        let stats = InProcessConsentctl.run(["--server", "127.0.0.1:\(standby.port),\(activeAddress)", "stats"], as: "admin", on: standby)
        #expect(stats.stdout.contains("role            active (active node \(activeAddress))"), "\(stats.stdout)")
        let bad = InProcessConsentctl.run(["--server", "127.0.0.1:\(standby.port),nonsense", "health"], as: "consumer", on: standby)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--server must be HOST:PORT (or several, separated by commas)"), "\(bad.stderr)")
        await standby.stop()
        await active.stop()
    }
}
