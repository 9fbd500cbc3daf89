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
        let (store, state, report) = try database.open()
        #expect(state.lastSequence == 0)
        #expect(report.lastSequence == 0)
        #expect(try appendAndWait(store, [record("a"), record("b", type: 7)]).get() == 2)
        #expect(try appendAndWait(store, [record("c")]).get() == 3)
        #expect(store.durableSequence == 3)
        #expect(try database.sql("SELECT string_agg(seq || ':' || type || ':' || convert_from(payload, 'UTF8'), ',' ORDER BY seq) FROM consent_events") == "1:1:a,2:7:b,3:1:c")
        store.close()

        let (again, recovered, second) = try database.open()
        defer { again.close() }
        #expect(recovered.records == [[1] + Array("a".utf8), [7] + Array("b".utf8), [1] + Array("c".utf8)])
        #expect(second.lastSequence == 3)
        #expect(second.recordsReplayed == 3)
        #expect(try appendAndWait(again, [record("d")]).get() == 4, "sequence numbers continue after a restart")
    }

    @Test func manyConcurrentAppendsShareTransactions() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let (store, _, _) = try database.open()
        defer { store.close() }
        let total = 2000
        let done = DispatchSemaphore(value: 0)
        let failures = Atomic<Int>(0)
        let remaining = Atomic<Int>(total)
        for index in 0..<total {
            store.append([record("r\(index)")]) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.signal() }
            }
        }
        done.wait()
        #expect(failures.load(ordering: .relaxed) == 0)
        let statistics = store.statistics
        #expect(statistics.recordsWritten == UInt64(total))
        #expect(statistics.syncs < UInt64(total / 2), "group commit: \(statistics.syncs) commits for \(total) appends")
        #expect(try database.sql("SELECT count(*), min(seq), max(seq) FROM consent_events") == "\(total)|1|\(total)")
    }

    @Test func aBatchOverTheTransactionLimitIsSplitAndEveryPartCommitted() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        var options = database.options()
        options.maxTransactionBytes = 4096
        let (store, _, _) = try database.open(options)
        defer { store.close() }
        let records = (0..<100).map { record(String(repeating: "x", count: 200) + "\($0)") }
        #expect(try appendAndWait(store, records).get() == 100)
        #expect(store.statistics.syncs >= 5, "split into transactions of at most 4 KiB")
        #expect(try database.sql("SELECT count(*), max(seq) FROM consent_events") == "100|100")
    }

    @Test func aSecondNodeCannotTakeTheLeaseWhileTheFirstHoldsItAndGetsItAtOnceAfterAStop() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        var options = database.options()
        options.leaseDuration = .seconds(1)
        let (first, _, _) = try database.open(options)
        let otherSnapshots = TestHub.makeTemporaryDirectory("pg-snapshots")
        defer { try? FileManager.default.removeItem(atPath: otherSnapshots) }
        var secondOptions = database.options(snapshots: otherSnapshots, node: "second")
        secondOptions.leaseDuration = .seconds(1)
        #expect {
            try database.open(secondOptions)
        } throws: { error in
            "\(error)".contains("in use by another consentd (node test-node, serving at 127.0.0.1:7443)")
        }
        _ = try appendAndWait(first, [record("one")]).get()
        first.close()
        let (second, state, _) = try database.open(secondOptions)
        defer { second.close() }
        #expect(state.lastSequence == 1)
        #expect(second.epoch == 2)
    }

    @Test func aNodeWhoseLeaseWasTakenOverCommitsNothingMore() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let (store, _, _) = try database.open()
        defer { store.close() }
        #expect(try appendAndWait(store, [record("before")]).get() == 1)
        // Another node's takeover, as the database sees it: a new epoch.
        try database.sql("UPDATE consent_lease SET epoch = epoch + 1, node = 'usurper'")
        let refused = appendAndWait(store, [record("after")])
        guard case .failure(.unavailable(let message)) = refused else {
            Issue.record("a fenced write must fail, got \(refused)")
            return
        }
        #expect(message.contains("no longer holds the lease"), "\(message)")
        #expect(try database.sql("SELECT count(*) FROM consent_events") == "1")
        let later = appendAndWait(store, [record("later")])
        #expect((try? later.get()) == nil, "the store stays failed")
        let durable = try store.durableState()
        #expect(durable.sequence == 1)
        #expect(durable.state.lastSequence == 1)
    }

    @Test func aLostSessionFailsTheWaitingAppendsNeverAcknowledgesThem() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let (store, _, _) = try database.open()
        defer { store.close() }
        #expect(try appendAndWait(store, [record("one")]).get() == 1)
        #expect(try database.server.terminateSessions(database: database.name, applicationName: "consentd test-node") >= 1)
        let result = appendAndWait(store, [record("two")])
        guard case .failure(.unavailable(let message)) = result else {
            Issue.record("expected UNAVAILABLE, got \(result)")
            return
        }
        #expect(message.contains("PostgreSQL"), "\(message)")
        #expect(store.statistics.hasFailed)
    }

    @Test func aRestartUsesTheNewestSnapshotAndReplaysOnlyWhatFollowsIt() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let (store, _, _) = try database.open()
        for index in 0..<10 { _ = try appendAndWait(store, [record("r\(index)")]).get() }
        let snapshot = try store.snapshotNow()
        #expect(snapshot.isNew)
        #expect(snapshot.sequence == 10)
        #expect(snapshot.file == "pgsnap-00000000000000000010.snap")
        _ = try appendAndWait(store, [record("after")]).get()
        let durable = try store.durableState()
        #expect(durable.sequence == 11)
        store.close()

        let (again, state, report) = try database.open()
        defer { again.close() }
        #expect(report.snapshotFile == "pgsnap-00000000000000000010.snap")
        #expect(report.recordsReplayed == 1)
        #expect(state == durable.state, "snapshot plus replay gives the same state as a full replay")
    }

    @Test func aSnapshotOfAnotherDatabaseOrHistoryIsSkipped() throws {
        let first = try TestDatabase()
        defer { first.remove() }
        let (store, _, _) = try first.open()
        for index in 0..<5 { _ = try appendAndWait(store, [record("first \(index)")]).get() }
        _ = try store.snapshotNow()
        store.close()

        // The same snapshot directory pointed at another database with as many records.
        let second = try TestDatabase()
        defer { second.remove() }
        let (other, _, _) = try second.open(second.options(snapshots: first.snapshots))
        for index in 0..<6 { _ = try appendAndWait(other, [record("second \(index)")]).get() }
        other.close()
        let (reopened, state, report) = try second.open(second.options(snapshots: first.snapshots))
        defer { reopened.close() }
        #expect(report.snapshotFile == nil)
        #expect(report.skippedSnapshots.first?.contains("belongs to another database") == true, "\(report.skippedSnapshots)")
        #expect(state.records.first == [1] + Array("second 0".utf8))
        #expect(state.lastSequence == 6)
    }

    @Test func aPasswordInTheConnectionStringNeverReachesTheDescription() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        let (store, _, _) = try database.open()
        defer { store.close() }
        #expect(!store.storeDescription.contains("password"))
        #expect(store.storeDescription.contains("dbname=\(database.name)"))
        var options = database.options(snapshots: TestHub.makeTemporaryDirectory("pg-snapshots"))
        options.connection = "host=127.0.0.1 port=1 dbname=x user=y password=s3cret connect_timeout=2"
        #expect {
            try PostgresEventStore<Tally>.open(options: options)
        } throws: { error in
            let text = "\(error)"
            return !text.contains("s3cret") && text.contains("cannot connect to PostgreSQL")
        }
    }
}
