import ConsentPostgres
import ConsentStore
import ConsentTesting
import Foundation
import Testing

/// Two nodes never answer at once: a standby takes the lease from a holder
/// whose session is gone only once the holder's serving window after its
/// last renewal has passed. (Found in review: the standby took over at once
/// while the old node still answered reads for up to its window.)
@Suite(.serialized) struct ServingWindowTests {
    @Test func afterTheActiveNodesSessionEndsNoStandbyServesBeforeTheOldNodesWindowHasPassed() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let first = try TestNode(database.open(database.options(node: "first")), address: "10.0.0.1:7443")
        defer { first.close() }
        try first.waitUntilActive()
        _ = try first.write([record("one")]).get()
        let second = try TestNode(database.open(database.options(snapshots: TestHub.makeTemporaryDirectory("pg-s"), node: "second")), address: "10.0.0.2:7443")
        defer { second.close() }
        try second.waitUntil("a standby") { $0 == .standby(leader: "10.0.0.1:7443") }
        // Right after an idle renewal, when the old node's window is longest.
        let renewed = try database.sql("SELECT renewed_at FROM consent_lease")
        var attempts = 0
        while try database.sql("SELECT renewed_at FROM consent_lease") == renewed, attempts < 3000 {
            attempts += 1
            usleep(2_000)
        }
        _ = try database.server.terminateSessions(database: database.name, applicationName: "consentd first writer")
        var overlaps = 0
        var checks = 0
        // Until the standby serves (a bound only against a hang).
        for _ in 0..<60_000 where !(second.store.role.isActive && second.store.mayServe) {
            checks += 1
            if first.store.mayServe && second.store.role.isActive && second.store.mayServe { overlaps += 1 }
            usleep(500)
        }
        #expect(second.store.role.isActive && second.store.mayServe, "the standby took over")
        #expect(!first.store.mayServe, "the old node no longer answers once the standby does")
        #expect(overlaps == 0, "two nodes answered at once in \(overlaps) of \(checks) checks")
        #expect(checks > 0)
        // The new active node writes; the old one rejoins as its standby.
        #expect(try second.write([record("two")]).get() == 2)
        try first.waitUntil("the new node's standby") { $0 == .standby(leader: "10.0.0.2:7443") }
    }
}
