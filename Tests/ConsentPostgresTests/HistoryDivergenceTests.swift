import ConsentPostgres
import ConsentStore
import ConsentTesting
import Foundation
import Testing

/// A node whose database went back in time (a restore to an earlier point,
/// an asynchronous replica promoted without the last events) must end with
/// exactly what the database holds, whatever it kept: the snapshot thread's
/// state, snapshot files, or records it applied under an epoch that was
/// handed out again. (Found in review; each of these failed before the fix.)
@Suite(.serialized) struct HistoryDivergenceTests {
    static func texts(_ records: [[UInt8]]) -> String {
        records.map { String(decoding: $0.dropFirst(), as: UTF8.self) }.joined(separator: ",")
    }

    /// The snapshot thread's kept state (covering 1...10) must not be reused
    /// to rebuild after the database lost 7...10 and a new writer wrote 7...12.
    @Test func aRebuildAfterTheDatabaseWentBackInTimeDoesNotStartFromTheSnapshotThreadsStateOfTheLostHistory() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let first = try TestNode(database.open(), address: "10.0.0.1:7443")
        try first.waitUntilActive()
        for seq in 1...10 { _ = try first.write([record("old\(seq)")]).get() }
        let otherSnapshots = TestHub.makeTemporaryDirectory("pg-snapshots")
        defer { try? FileManager.default.removeItem(atPath: otherSnapshots) }
        let second = try TestNode(database.open(database.options(snapshots: otherSnapshots, node: "second")), address: "10.0.0.2:7443")
        defer { second.close() }
        try second.waitUntil("a standby") { $0 == .standby(leader: "10.0.0.1:7443") }
        for _ in 0..<3000 where second.records.count < 10 { usleep(10_000) }
        #expect(try second.store.snapshotNow().sequence == 10)  // a standby's periodic snapshot; its thread keeps the state of 1...10
        first.close()
        try second.waitUntilActive()
        try database.rewriteHistory(keeping: 6, through: 12)
        _ = try database.server.terminateSessions(database: database.name, applicationName: "consentd second")
        try second.waitUntil("fenced") { if case .fenced = $0 { true } else { false } }
        try second.waitUntilActive()
        let db = try database.payloads()
        #expect(db == "old1,old2,old3,old4,old5,old6,new7,new8,new9,new10,new11,new12")
        #expect(Self.texts(second.records) == db, "the node's state must equal the database")
        #expect(database.lines.contains("skipping snapshot pgsnap-00000000000000000010.snap"), "the snapshot of the lost history is not used")
        // Its next snapshot names record 12 of this history: a restart trusts it.
        #expect(try second.store.snapshotNow().sequence == 12)
        second.close()
        let (again, state, report) = try database.open(database.options(snapshots: otherSnapshots, node: "second"))
        defer { again.close() }
        #expect(report.snapshotFile == "pgsnap-00000000000000000012.snap")
        #expect(Self.texts(state.records) == db, "a restart recovers the database's history")
    }

    /// The same kept state when the database only lost its tail: it covers
    /// more than the database holds; the node must rebuild and serve, not
    /// loop between standby and fenced.
    @Test func aRebuildAfterTheDatabaseLostItsTailDropsTheSnapshotThreadsStateBeyondTheEndAndServes() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let first = try TestNode(database.open(), address: "10.0.0.1:7443")
        try first.waitUntilActive()
        for seq in 1...10 { _ = try first.write([record("r\(seq)")]).get() }
        let otherSnapshots = TestHub.makeTemporaryDirectory("pg-snapshots")
        defer { try? FileManager.default.removeItem(atPath: otherSnapshots) }
        let second = try TestNode(database.open(database.options(snapshots: otherSnapshots, node: "second")), address: "10.0.0.2:7443")
        defer { second.close() }
        try second.waitUntil("a standby") { $0 == .standby(leader: "10.0.0.1:7443") }
        for _ in 0..<3000 where second.records.count < 10 { usleep(10_000) }
        _ = try second.store.snapshotNow()
        first.close()
        try database.sql("DELETE FROM consent_events WHERE seq > 6")
        try second.waitUntilActive()
        #expect(second.records.count == 6)
        let fenced = second.roles.withLock { $0 }.filter { if case .fenced = $0 { true } else { false } }.count
        #expect(fenced == 1, "one rebuild, not a loop: \(second.roles.withLock { $0 })")
        #expect(try second.write([record("after the restore")]).get() == 7)
    }

    /// Epochs are handed out again after the lease row went back in time
    /// (a restore): a standby that was away must compare more than the epoch
    /// of its last record.
    @Test func aStandbyThatWasAwayWhileTheDatabaseWasRestoredFindsARewrittenHistoryUnderAReusedEpoch() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let a = try TestNode(database.open(), address: "a:1")
        try a.waitUntilActive()
        for seq in 1...6 { _ = try a.write([record("e1-\(seq)")]).get() }  // the backup is taken here (lease epoch 1)
        a.close()
        let b = try TestNode(database.open(database.options(snapshots: TestHub.makeTemporaryDirectory("pg-b"), node: "bnode")), address: "b:1")
        try b.waitUntilActive()  // epoch 2
        let s = try TestNode(database.open(database.options(snapshots: TestHub.makeTemporaryDirectory("pg-s"), node: "snode")), address: "s:1")
        defer { s.close() }
        try s.waitUntil("a standby") { $0 == .standby(leader: "b:1") }
        for seq in 7...10 { _ = try b.write([record("e2-old-\(seq)")]).get() }
        for _ in 0..<3000 where s.records.count < 10 { usleep(10_000) }
        var c: TestNode?
        // s is slow (a long page apply, a session stuck on the dead primary) while the database is restored.
        try s.state.withLock { _ in
            _ = try b.write([record("e2-old-11")]).get()
            usleep(800_000)  // s read 11 and waits to apply it
            b.close()
            try database.sql("BEGIN; DELETE FROM consent_events WHERE seq > 6; UPDATE consent_lease SET epoch = 1, holder_pid = NULL, expires_at = '-infinity'; COMMIT;")
            _ = try database.server.terminateSessions(database: database.name, applicationName: "consentd snode")
            let node = try TestNode(database.open(database.options(snapshots: TestHub.makeTemporaryDirectory("pg-c"), node: "cnode")), address: "c:1")
            try node.waitUntilActive()  // epoch 1 + 1 = 2 again
            for seq in 7...12 { _ = try node.write([record("e2-new-\(seq)")]).get() }
            c = node
        }
        defer { c?.close() }
        #expect(try database.sql("SELECT epoch FROM consent_events WHERE seq = 11") == "2", "record 11 has the epoch of the record s applied")
        try s.waitUntil("fenced for a rebuild") { _ in s.roles.withLock { $0 }.contains { if case .fenced = $0 { true } else { false } } }
        for _ in 0..<3000 where s.records.count != 12 || s.role != .standby(leader: "c:1") { usleep(10_000) }
        let db = try database.payloads()
        #expect(db.hasSuffix("e2-new-11,e2-new-12"))
        #expect(Self.texts(s.records) == db, "the standby's state must equal the database")
    }
}
