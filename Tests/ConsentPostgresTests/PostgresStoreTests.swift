import ConsentPostgres
import ConsentStore
import ConsentTesting
import Dispatch
import Foundation
import Synchronization
import Testing

/// The PostgreSQL event store on a real PostgreSQL (TestPostgres): what is
/// acknowledged is committed, recovered, snapshotted and fenced.
@Suite struct PostgresStoreTests {
    @Test func appendedRecordsAreCommittedInOrderAndRecoveredByTheNextOpen() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let node = try TestNode(database.open())
        #expect(node.report.lastSequence == 0)
        try node.waitUntilActive()
        #expect(try node.write([record("a"), record("b", type: 7)]).get() == 2)
        #expect(try node.write([record("c")]).get() == 3)
        #expect(node.store.durableSequence == 3)
        #expect(try database.sql("SELECT string_agg(seq || ':' || type || ':' || convert_from(payload, 'UTF8'), ',' ORDER BY seq) FROM consent_events") == "1:1:a,2:7:b,3:1:c")
        node.close()

        let again = try TestNode(database.open())
        defer { again.close() }
        #expect(again.records == [[1] + Array("a".utf8), [7] + Array("b".utf8), [1] + Array("c".utf8)])
        #expect(again.report.lastSequence == 3)
        #expect(again.report.recordsReplayed == 3)
        try again.waitUntilActive()
        #expect(try again.write([record("d")]).get() == 4, "sequence numbers continue after a restart")
    }

    @Test func aNodeThatIsNotActiveRefusesAppends() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let (store, _, _) = try database.open()
        defer { store.close() }
        // Opened but not started: it holds no lease.
        #expect(store.role == .starting)
        guard case .failure(.unavailable(let message)) = appendAndWait(store, [record("x")]) else {
            Issue.record("an append to a node without the lease must fail")
            return
        }
        #expect(message.contains("does not hold the lease"), "\(message)")
        #expect(try database.sql("SELECT count(*) FROM consent_events") == "0")
    }

    @Test func manyConcurrentAppendsShareTransactions() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let node = try TestNode(database.open())
        defer { node.close() }
        try node.waitUntilActive()
        let total = 2000
        let done = DispatchSemaphore(value: 0)
        let failures = Atomic<Int>(0)
        let remaining = Atomic<Int>(total)
        for index in 0..<total {
            node.store.append([record("r\(index)")]) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.signal() }
            }
        }
        done.wait()
        #expect(failures.load(ordering: .relaxed) == 0)
        let statistics = node.store.statistics
        #expect(statistics.recordsWritten == UInt64(total))
        #expect(statistics.syncs < UInt64(total / 2), "group commit: \(statistics.syncs) commits for \(total) appends")
        #expect(try database.sql("SELECT count(*), min(seq), max(seq) FROM consent_events") == "\(total)|1|\(total)")
    }

    @Test func aBatchOverTheTransactionLimitIsSplitBetweenAppendsNeverInsideOne() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        var options = database.options()
        options.maxTransactionBytes = 4096
        let node = try TestNode(database.open(options))
        defer { node.close() }
        try node.waitUntilActive()
        // Appends of 5 records of about 250 bytes (three fit in 4 KiB). The
        // first one's completion runs on the writer thread and holds it until
        // the other 19 are pending, so the writer takes them as one batch of
        // about 24 KiB, which it must split.
        let appends = 20
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let failures = Atomic<Int>(0)
        func records(_ append: Int) -> [(UInt8, [UInt8])] {
            (0..<5).map { record("append \(append) record \($0) " + String(repeating: "x", count: 220)) }
        }
        node.store.append(records(0)) { result in
            if case .failure = result { failures.add(1, ordering: .relaxed) }
            release.wait()
            done.signal()
        }
        for append in 1..<appends {
            node.store.append(records(append)) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
                done.signal()
            }
        }
        release.signal()
        for _ in 0..<appends { done.wait() }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try database.sql("SELECT count(*), max(seq) FROM consent_events") == "100|100")
        // xmin: the transaction that wrote each row.
        #expect(try database.sql("SELECT count(DISTINCT xmin::text) >= 7 FROM consent_events") == "t", "split into transactions of at most 4 KiB")
        #expect(try database.sql("""
            SELECT count(*) FROM (SELECT (seq - 1) / 5 FROM consent_events GROUP BY 1 HAVING count(DISTINCT xmin::text) > 1) split
            """) == "0", "every append's records are committed in one transaction")

        // One append larger than the limit commits whole.
        let large = (0..<100).map { record(String(repeating: "y", count: 200) + "\($0)") }
        #expect(try node.write(large).get() == 200)
        #expect(try database.sql("SELECT count(DISTINCT xmin::text) FROM consent_events WHERE seq > 100") == "1")
    }

    @Test func aSecondNodeFollowsAsAStandbyNamingTheActiveOneAndTakesOverWhenItStops() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let first = try TestNode(database.open(), address: "10.0.0.1:7443")
        try first.waitUntilActive()
        let otherSnapshots = TestHub.makeTemporaryDirectory("pg-snapshots")
        defer { try? FileManager.default.removeItem(atPath: otherSnapshots) }
        let second = try TestNode(database.open(database.options(snapshots: otherSnapshots, node: "second")), address: "10.0.0.2:7443")
        defer { second.close() }
        try second.waitUntil("a standby naming the active node") { $0 == .standby(leader: "10.0.0.1:7443") }
        #expect(!second.store.mayServe)
        guard case .failure = appendAndWait(second.store, [record("not here")]) else {
            Issue.record("a standby takes no appends")
            return
        }
        for index in 0..<50 { _ = try first.write([record("one \(index)")]).get() }
        for _ in 0..<3000 where second.store.durableSequence < 50 { usleep(10_000) }
        #expect(second.records == first.records, "the standby applied every committed record, in order")
        #expect(second.store.replicaStatistics.recordsBehind == 0)

        first.close()
        try second.waitUntilActive()
        #expect(try second.write([record("two")]).get() == 51, "the new active node continues the sequence")
        #expect(try database.sql("SELECT epoch, leader FROM consent_lease") == "2|10.0.0.2:7443")
        #expect(second.store.replicaStatistics.promotions == 1)
    }

    @Test func aStandbyWhoseDatabaseWentBackInTimeRebuildsItsStateFromWhatTheDatabaseHolds() throws {
        // As after a restore to an earlier point, or an asynchronous replica
        // promoted without the last events, and a writer since: the standby
        // applied records 7...10 that the database no longer holds, and its
        // snapshot (a file, and the state its snapshot thread keeps) covers
        // them too. The database now holds as many records and more, of
        // another history.
        let database = try TestDatabase()
        defer { database.remove() }
        let first = try TestNode(database.open(), address: "10.0.0.1:7443")
        try first.waitUntilActive()
        for index in 1...10 { _ = try first.write([record("r\(index)")]).get() }
        let otherSnapshots = TestHub.makeTemporaryDirectory("pg-snapshots")
        defer { try? FileManager.default.removeItem(atPath: otherSnapshots) }
        let second = try TestNode(database.open(database.options(snapshots: otherSnapshots, node: "second")), address: "10.0.0.2:7443")
        defer { second.close() }
        try second.waitUntil("a standby") { $0 == .standby(leader: "10.0.0.1:7443") }
        #expect(second.records.count == 10)
        #expect(try second.store.snapshotNow().file == "pgsnap-00000000000000000010.snap")
        first.close()
        try database.rewriteHistory(keeping: 6, through: 12)
        try second.waitUntilActive()
        #expect(second.roles.withLock { $0 }.contains { if case .fenced = $0 { true } else { false } }, "\(second.roles.withLock { $0 })")
        let history = try database.payloads()
        #expect(history == "r1,r2,r3,r4,r5,r6,new7,new8,new9,new10,new11,new12")
        #expect(second.records.map { String(decoding: $0.dropFirst(), as: UTF8.self) }.joined(separator: ",") == history,
                "the state holds exactly what the database holds")
        #expect(try second.write([record("after the restore")]).get() == 13)
        second.close()
        // Its snapshot of the lost history is not used by a restart either.
        let (again, state, report) = try database.open(database.options(snapshots: otherSnapshots, node: "second"))
        defer { again.close() }
        #expect(report.snapshotFile == nil, "\(report.skippedSnapshots)")
        #expect(state.records.count == 13)
        #expect(state.records[10] == [1] + Array("new11".utf8))
    }

    @Test func aNodeWhoseLeaseWasTakenOverCommitsNothingMoreAndRejoins() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let node = try TestNode(database.open())
        defer { node.close() }
        try node.waitUntilActive()
        #expect(try node.write([record("before")]).get() == 1)
        // Another node's takeover, as the database sees it: a new epoch.
        try database.sql("UPDATE consent_lease SET epoch = epoch + 1, node = 'usurper'")
        let refused = node.write([record("after")])
        guard case .failure(.unavailable(let message)) = refused else {
            Issue.record("a fenced write must fail, got \(refused)")
            return
        }
        #expect(message.contains("no longer holds the lease"), "\(message)")
        #expect(try database.sql("SELECT count(*) FROM consent_events") == "1", "nothing was committed under the old epoch")
        // The usurper's session (really this node's old one) is gone once the
        // node drops it: the node rebuilds its state (without "after"),
        // takes the lease again and serves.
        try node.waitUntilActive()
        #expect(node.records == [[1] + Array("before".utf8)], "the record that was never committed left the state")
        #expect(node.roles.withLock { $0 }.contains { if case .fenced = $0 { true } else { false } })
        #expect(try node.write([record("again")]).get() == 2)
        #expect(try database.sql("SELECT string_agg(convert_from(payload, 'UTF8'), ',' ORDER BY seq) FROM consent_events") == "before,again")
    }

    @Test func aLostSessionFailsTheWaitingAppendsAndTheNodeRejoinsByItself() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let node = try TestNode(database.open())
        defer { node.close() }
        try node.waitUntilActive()
        #expect(try node.write([record("one")]).get() == 1)
        #expect(try database.server.terminateSessions(database: database.name, applicationName: "consentd test-node") >= 1)
        let result = node.write([record("two")])
        guard case .failure(.unavailable(let message)) = result else {
            Issue.record("expected UNAVAILABLE, got \(result)")
            return
        }
        #expect(message.contains("PostgreSQL"), "\(message)")
        try node.waitUntilActive()
        #expect(try node.write([record("three")]).get() == 2)
        #expect(node.records.count == 2)
    }

    @Test func aRestartUsesTheNewestSnapshotAndReplaysOnlyWhatFollowsIt() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let node = try TestNode(database.open())
        try node.waitUntilActive()
        let store = node.store
        for index in 0..<10 { _ = try node.write([record("r\(index)")]).get() }
        let snapshot = try store.snapshotNow()
        #expect(snapshot.isNew)
        #expect(snapshot.sequence == 10)
        #expect(snapshot.file == "pgsnap-00000000000000000010.snap")
        _ = try node.write([record("after")]).get()
        let durable = try store.durableState()
        #expect(durable.sequence == 11)
        store.close()

        let (again, state, report) = try database.open()
        defer { again.close() }
        #expect(report.snapshotFile == "pgsnap-00000000000000000010.snap")
        #expect(report.recordsReplayed == 1)
        #expect(state == durable.state, "snapshot plus replay gives the same state as a full replay")
    }

    /// Issue 11: a node killed before any background snapshot completed
    /// replayed the same (growing) tail at every start.
    @Test func aStartThatReplayedALongTailWritesASnapshotSoTheNextStartReplaysNothing() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        var options = database.options()
        options.snapshotEveryRecords = 30
        // No background snapshot: the node stops (as if killed) before one.
        var first = options
        first.snapshotEveryRecords = nil
        let node = try TestNode(database.open(first))
        try node.waitUntilActive()
        for index in 0..<40 { _ = try node.write([record("r\(index)")]).get() }
        let expected = node.records
        node.close()

        var off = options
        off.snapshotAtOpen = false
        let (plain, _, plainReport) = try database.open(off)
        plain.close()
        #expect(plainReport.recordsReplayed == 40)
        #expect(plainReport.snapshotWrittenAtOpen == nil, "off: nothing written")

        let (opened, state, report) = try database.open(options)
        opened.close()
        #expect(report.recordsReplayed == 40)
        #expect(state.records == expected)
        let written = try #require(report.snapshotWrittenAtOpen, "\(report)")
        #expect(written.file == "pgsnap-00000000000000000040.snap")
        #expect(written.reason.contains("40 records were replayed"), "\(written.reason)")
        #expect(database.lines.contains("then wrote snapshot pgsnap-00000000000000000040.snap"))

        let (again, againState, againReport) = try database.open(options)
        defer { again.close() }
        #expect(againReport.snapshotFile == "pgsnap-00000000000000000040.snap")
        #expect(againReport.recordsReplayed == 0)
        #expect(againReport.snapshotWrittenAtOpen == nil)
        #expect(againState == state, "the snapshot holds exactly the state the replay built")
    }

    /// A short replay writes nothing: below a snapshot's worth and below the
    /// minimum, a snapshot would cost more than it saves.
    @Test func aShortReplayWritesNoSnapshotAtStart() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        var options = database.options()
        options.snapshotEveryRecords = 1000
        let node = try TestNode(database.open(options))
        try node.waitUntilActive()
        for index in 0..<5 { _ = try node.write([record("r\(index)")]).get() }
        node.close()
        let (opened, _, report) = try database.open(options)
        opened.close()
        #expect(report.recordsReplayed == 5)
        #expect(report.snapshotWrittenAtOpen == nil)
    }

    @Test func aSnapshotOfAnotherDatabaseOrHistoryIsSkipped() throws {
        let first = try TestDatabase()
        defer { first.remove() }
        let node = try TestNode(first.open())
        try node.waitUntilActive()
        for index in 0..<5 { _ = try node.write([record("first \(index)")]).get() }
        _ = try node.store.snapshotNow()
        node.close()

        // The same snapshot directory pointed at another database with as many records.
        let second = try TestDatabase()
        defer { second.remove() }
        let other = try TestNode(second.open(second.options(snapshots: first.snapshots)))
        try other.waitUntilActive()
        for index in 0..<6 { _ = try other.write([record("second \(index)")]).get() }
        other.close()
        let (reopened, state, report) = try second.open(second.options(snapshots: first.snapshots))
        defer { reopened.close() }
        #expect(report.snapshotFile == nil)
        #expect(report.skippedSnapshots.first?.contains("belongs to another database") == true, "\(report.skippedSnapshots)")
        #expect(state.records.first == [1] + Array("second 0".utf8))
        #expect(state.lastSequence == 6)
    }

    @Test func aPasswordInTheConnectionStringNeverReachesTheDescriptionAnErrorOrALogLine() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        // The test server trusts every connection: the password is ignored.
        var options = database.options()
        options.connection = database.conninfo + " password=s3cret"
        let (store, _, _) = try PostgresEventStore<Tally>.open(options: options)
        #expect(!store.storeDescription.contains("s3cret"))
        #expect(!store.storeDescription.contains("password"))
        #expect(store.storeDescription.contains("dbname=\(database.name)"))
        store.close()
        #expect(!database.lines.all.isEmpty)
        #expect(!database.lines.contains("s3cret"), "\(database.lines.all)")

        // Strings that do not parse or name a wrong host: libpq's own
        // messages would quote a piece of the password.
        let wrong = [
            "host=127.0.0.1 port=1 dbname=x user=y password=s3cret connect_timeout=2",  // cannot connect
            "host=127.0.0.1 port=1 dbname=x user=y password=my s3cret connect_timeout=2",  // a space: missing "=" after "s3cret"
            "postgresql://y:50%s3cret@127.0.0.1:1/x",  // not percent-encoded: invalid percent-encoded token
            "postgresql://y:pa@s3cret@127.0.0.1:1/x?connect_timeout=2",  // an '@': host "s3cret@127.0.0.1"
            "host=y:s3cret@127.0.0.1 port=1 dbname=x connect_timeout=2",
        ]
        for connection in wrong {
            var options = database.options(snapshots: TestHub.makeTemporaryDirectory("pg-snapshots"))
            options.connection = connection
            #expect {
                try PostgresEventStore<Tally>.open(options: options)
            } throws: { error in
                let text = "\(error)"
                return !text.contains("s3cret") && (text.contains("cannot connect to PostgreSQL") || text.contains("not a valid PostgreSQL connection string"))
            }
            let report = PostgresVerifier.verify(Tally.self, options: options)
            #expect(report.unusable != nil)
            #expect(!"\(report.unusable ?? "") \(report.database)".contains("s3cret"), "\(report.unusable ?? "")")
        }
        #expect(!database.lines.contains("s3cret"))
    }
}
