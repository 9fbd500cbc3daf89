import ConsentPostgres
import ConsentStore
import ConsentTesting
import Dispatch
import Foundation
import Synchronization
import Testing

/// With synchronous replication, a COMMIT whose wait for the standby is
/// cancelled (pg_cancel_backend, a statement timeout, a failover tool) still
/// answers COMMIT, after a WARNING: the records are on the primary only and
/// a failover to the standby loses them. Such a call must never be answered
/// OK. (Found in review: it was.)
@Suite(.serialized) struct SynchronousReplicationTests {
    @Test func aCommitWhoseWaitForTheSynchronousStandbyIsCancelledIsUnavailableNotOK() throws {
        // A server of its own: the test changes its configuration.
        let server = try TestPostgres.start()
        defer { server.stop() }
        let database = try TestDatabase(server: server)
        defer { database.remove() }
        let node = try TestNode(database.open(database.options(node: "syncrep")))
        defer { node.close() }
        try node.waitUntilActive()
        #expect(try node.write([record("one")]).get() == 1)

        // A synchronous standby that never comes, waited for only by the
        // transactions that insert events (the trigger turns the wait on for
        // them); lease renewals commit locally.
        try server.psql("ALTER SYSTEM SET synchronous_commit = 'local'; SELECT pg_reload_conf();")
        try waitForTwoRenewals(database)  // the writer's session has read its configuration again
        try server.psql("ALTER SYSTEM SET synchronous_standby_names = 'a_standby_that_never_comes'; SELECT pg_reload_conf();")
        try database.sql("""
            CREATE FUNCTION wait_for_the_standby() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM set_config('synchronous_commit', 'on', true); RETURN NULL; END $$;
            CREATE TRIGGER wait_for_the_standby AFTER INSERT ON consent_events FOR EACH STATEMENT EXECUTE FUNCTION wait_for_the_standby();
            """)

        let answered = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<UInt64, StoreError>?>(nil)
        node.state.withLock { tally in
            let last = node.store.append([record("two")]) { result in
                outcome.withLock { $0 = result }
                answered.signal()
            }
            try? Array("two".utf8).withUnsafeBytes { try tally.apply(recordType: 1, payload: $0, sequence: last) }
        }
        // The COMMIT waits for the standby; cancel the wait, as an operator or a tool would.
        var cancelled = "0"
        for _ in 0..<3000 where cancelled == "0" {
            cancelled = try server.psql("""
                SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity
                 WHERE datname = '\(database.name)' AND wait_event = 'SyncRep'
                """)
            if cancelled == "0" { usleep(10_000) }
        }
        #expect(cancelled == "1", "the COMMIT waited for the synchronous standby")
        answered.wait()
        let result = try #require(outcome.withLock { $0 })
        guard case .failure(.unavailable(let message)) = result else {
            Issue.record("a COMMIT answered with a warning was acknowledged: \(result)")
            return
        }
        #expect(message.contains("canceling wait for synchronous replication"), "\(message)")
        // The record is on the primary all the same (what the warning means).
        #expect(try database.payloads() == "one,two")

        // Back to normal: the node rejoins, finds the record committed, and writes on.
        try database.sql("DROP TRIGGER wait_for_the_standby ON consent_events")
        try server.psql("ALTER SYSTEM RESET synchronous_standby_names; ALTER SYSTEM RESET synchronous_commit; SELECT pg_reload_conf();")
        try node.waitUntil("fenced") { _ in node.roles.withLock { $0 }.contains { if case .fenced = $0 { true } else { false } } }
        try node.waitUntilActive()
        #expect(try node.write([record("three")]).get() == 3)
        #expect(try database.payloads() == "one,two,three")
        #expect(node.records.map { String(decoding: $0.dropFirst(), as: UTF8.self) } == ["one", "two", "three"])
    }

    /// Waits until the active node renewed its lease twice (idle renewals
    /// come every eighth of the lease).
    private func waitForTwoRenewals(_ database: TestDatabase) throws {
        var seen = try database.sql("SELECT renewed_at FROM consent_lease")
        var renewals = 0
        for _ in 0..<3000 where renewals < 2 {
            usleep(10_000)
            let now = try database.sql("SELECT renewed_at FROM consent_lease")
            if now != seen {
                renewals += 1
                seen = now
            }
        }
        #expect(renewals == 2)
    }
}
