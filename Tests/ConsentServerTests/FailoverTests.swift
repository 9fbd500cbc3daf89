#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Synchronization
import Testing

/// Several consentd nodes sharing one PostgreSQL database (issue 14): one
/// active node serves, standbys name it, a standby takes over when the
/// active one dies or loses the database, and nothing acknowledged is ever
/// lost or written twice.
///
/// The kill -9 test runs `CONSENTHUB_FAILOVER_ROUNDS` rounds (3 in `make
/// test`; `make test-failover` runs the issue's 20). Times are measured by
/// `consent-failoverbench` in `make bench`, never asserted here: the bounds
/// below only stop a test that would otherwise hang.
@Suite(.serialized) struct FailoverTests {
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["CONSENTHUB_FAILOVER_ROUNDS"] ?? "") ?? 3 }

    static func waitUntil(_ what: String, seconds: Int = 60, _ condition: () -> Bool) throws {
        for _ in 0..<(seconds * 20) {
            if condition() { return }
            usleep(50_000)
        }
        throw DurabilityTestError("\(what): not reached within \(seconds) s")
    }

    @Test func aStandbyNamesTheActiveNodeAndClientsFollowTheHint() throws {
        let cluster = try FailoverCluster(postgres: try TestPostgres.shared.createDatabase())
        defer { cluster.stopAll() }
        let active = try #require(cluster.health(0))
        #expect(active.status == .serving)
        #expect(active.role == .active)
        #expect(active.leader == cluster.addresses[0])
        let standby = try #require(cluster.health(1))
        #expect(standby.status == .notServing)
        #expect(standby.role == .standby)
        #expect(standby.leader == cluster.addresses[0])

        // A client of the standby alone: refused before anything is decided, with the hint.
        let pinned = try cluster.pinnedClient(1, as: "consumer")
        defer { pinned.close() }
        #expect {
            _ = try pinned.unaryBlocking(Consent_V1_ConsentService.createRequest, RequestWriters.request())
        } throws: { error in
            guard let error = error as? RPCError else { return false }
            return error.code == .unavailable && error.trailers["x-consent-leader"] == cluster.addresses[0]
                && error.trailers["x-consent-reason"] == "not_leader" && error.message.contains("standby")
        }
        // The admin's counters answer on a standby, with its role and lag.
        let admin = try cluster.pinnedClient(1, as: "admin")
        defer { admin.close() }
        let stats = try admin.unaryBlocking(Consent_V1_Health.stats, .init())
        #expect(stats.role == .standby)
        #expect(stats.storage.hasPrefix("PostgreSQL "))

        // A client that knows both nodes, the standby first, ends up on the
        // active one; the standby follows what it writes.
        let bank = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: cluster.ports[1], caFile: cluster.certificates.path("ca.pem"),
            certificateFile: cluster.certificates.path("consumer.pem"), keyFile: cluster.certificates.path("consumer.key"),
            otherNodes: [cluster.addresses[0]]))
        defer { bank.close() }
        #expect(bank.connection.isOpen)
        let id = try bank.unaryBlocking(Consent_V1_ConsentService.createRequest, RequestWriters.request()).request!.id
        let activeAdmin = try cluster.pinnedClient(0, as: "admin")
        defer { activeAdmin.close() }
        let committed = try activeAdmin.unaryBlocking(Consent_V1_Health.stats, .init()).eventsCommitted
        try Self.waitUntil("the standby applied the new request") {
            ((try? admin.unaryBlocking(Consent_V1_Health.stats, .init()))?.eventsCommitted ?? 0) >= committed
        }
        #expect(try cluster.createdRequests().contains(id))
    }

    @Test func everyWriteAcknowledgedBeforeKillNinesOfTheActiveNodeIsThere() throws {
        let database = try TestPostgres.shared.createDatabase()
        let cluster = try FailoverCluster(postgres: database)
        defer { cluster.stopAll() }
        let writers = RequestWriters(clients: try (0..<3).map { _ in try cluster.client("consumer") })
        defer { writers.close() }
        writers.start(inFlight: 8)
        let probe = try cluster.client("consumer")
        defer { probe.close() }
        var generator = SystemRandomNumberGenerator()
        var failovers: [Double] = []
        var probed: Set<String> = []
        var probes = 0

        for round in 0..<Self.rounds {
            let active = try #require(cluster.activeIndex(), "round \(round): no active node")
            let before = writers.acknowledgedCount
            let wanted = before + Int.random(in: 50...300, using: &generator)
            try Self.waitUntil("round \(round): \(wanted - before) more writes acknowledged") { writers.acknowledgedCount >= wanted }
            usleep(UInt32.random(in: 0...200_000, using: &generator))
            let killed = RequestWriters.monotonicNow()
            cluster.kill9(active)
            // A standby takes over and serves: a fresh write sent after the kill is acknowledged.
            let (seconds, id, attempts) = try cluster.firstAcknowledgedWrite(through: probe, since: killed)
            failovers.append(seconds)
            probed.insert(id)
            probes += attempts
            #expect(cluster.activeIndex() != active, "round \(round): another node is active")
            // The killed node comes back as a standby for the next round.
            try cluster.start(active)
            try cluster.waitUntilStandby(active)
        }
        writers.stop()
        #expect(writers.waitForAllAnswers(), "every call got an answer")
        let ids = try cluster.createdRequests()
        let acknowledged = writers.acknowledged.withLock { $0 }.union(probed)
        let lost = acknowledged.subtracting(ids)
        #expect(lost.isEmpty, "lost \(lost.count) of \(acknowledged.count) acknowledged writes, e.g. \(lost.sorted().prefix(5))")
        #expect(ids.count <= writers.launched.load(ordering: .relaxed) + probes, "more requests than were ever sent (a call executed twice)")
        try Self.expectEveryRecordOnceWithoutGaps(database)
        print("failover (kill -9 to the first OK on the new active node), \(failovers.count) rounds: \(failovers.map { String(format: "%.2f s", $0) }.joined(separator: ", ")); \(acknowledged.count) writes acknowledged, \(writers.failed.withLock { $0 }) failed")
    }

    @Test func anActiveNodeThatLosesItsDatabaseSessionAcknowledgesNothingMoreAndTheStandbyTakesOver() throws {
        let server = try TestPostgres.shared
        let database = try server.createDatabase()
        let cluster = try FailoverCluster(postgres: database)
        defer { cluster.stopAll() }
        // Writers pinned to the active node: they see what it answers after losing its session.
        let writers = RequestWriters(clients: try (0..<3).map { _ in try cluster.pinnedClient(0, as: "consumer") })
        defer { writers.close() }
        writers.start(inFlight: 8)
        try Self.waitUntil("100 writes acknowledged") { writers.acknowledgedCount >= 100 }

        let pid = try #require(cluster.nodes[0]?.pid)
        #expect(try server.terminateSessions(database: TestPostgres.databaseName(of: database), applicationName: ":\(pid) ") >= 1)
        try Self.waitUntil("the standby took over") { cluster.health(1)?.role == .active }
        let takenOver = RequestWriters.monotonicNow()
        // The old node stopped answering before the standby could take over.
        let oldRole = cluster.health(0)?.role
        #expect(oldRole != .active, "two nodes said they were active at once")
        let acknowledgedAtTakeover = writers.acknowledgedCount
        // Calls to the old active node from now on: it is not the active one.
        let probe = try cluster.pinnedClient(0, as: "consumer")
        defer { probe.close() }
        for _ in 0..<5 {
            #expect {
                _ = try probe.unaryBlocking(Consent_V1_ConsentService.createRequest, RequestWriters.request())
            } throws: { error in (error as? RPCError)?.code == .unavailable }
        }
        usleep(500_000)
        writers.stop()
        #expect(writers.waitForAllAnswers())
        #expect(writers.firstOK(after: takenOver) == nil, "the old active node acknowledged a write after the standby took over")
        #expect(writers.acknowledgedCount == acknowledgedAtTakeover)
        let old = try #require(cluster.health(0))
        #expect(old.role == .standby && old.leader == cluster.addresses[1], "the old active node rejoined as a standby: \(old)")

        let ids = try cluster.createdRequests()
        let acknowledged = writers.acknowledged.withLock { $0 }
        #expect(acknowledged.isSubset(of: Set(ids)), "lost \(acknowledged.subtracting(ids).count) acknowledged writes")
        #expect(ids.count <= writers.launched.load(ordering: .relaxed), "more requests than were ever sent (a call executed twice)")
        try Self.expectEveryRecordOnceWithoutGaps(database)
    }

    /// The events run from 1 without a gap, and no record was committed
    /// twice: every event's bytes (its request id, its time) are unique, so
    /// a batch sent again after a failed or doubtful commit shows up here.
    static func expectEveryRecordOnceWithoutGaps(_ database: String) throws {
        let name = TestPostgres.databaseName(of: database)
        #expect(try TestPostgres.shared.psql("SELECT count(*) = max(seq) AND min(seq) = 1 FROM consent_events", database: name) == "t",
                "the events have a gap")
        let duplicates = try TestPostgres.shared.psql(
            "SELECT count(*) - count(DISTINCT payload) FROM consent_events", database: name)
        #expect(duplicates == "0", "\(duplicates) records were committed twice")
    }

    @Test func whilePostgreSQLIsDownWritesAreUnavailableAndTheHubResumesByItself() throws {
        let server = try TestPostgres.start()
        defer { server.stop() }
        let cluster = try FailoverCluster(postgres: try server.createDatabase(), nodes: 1)
        defer { cluster.stopAll() }
        let writers = RequestWriters(clients: try (0..<2).map { _ in try cluster.pinnedClient(0, as: "consumer") })
        defer { writers.close() }
        writers.start(inFlight: 8)
        try Self.waitUntil("100 writes acknowledged") { writers.acknowledgedCount >= 100 }

        try server.stopServer()
        let probe = try cluster.pinnedClient(0, as: "consumer")
        defer { probe.close() }
        for _ in 0..<5 {
            #expect {
                _ = try probe.unaryBlocking(Consent_V1_ConsentService.createRequest, RequestWriters.request(), options: CallOptions(timeout: .seconds(60)))
            } throws: { error in (error as? RPCError)?.code == .unavailable }
        }
        #expect(cluster.health(0)?.status == .notServing, "Health says NOT_SERVING while the database is down")

        try server.restart()
        try Self.waitUntil("the node serves again") { cluster.health(0)?.status == .serving }
        let id = try probe.unaryBlocking(Consent_V1_ConsentService.createRequest, RequestWriters.request()).request!.id
        let before = writers.acknowledgedCount
        try Self.waitUntil("the writers are acknowledged again") { writers.acknowledgedCount > before }
        writers.stop()
        #expect(writers.waitForAllAnswers())

        let ids = try cluster.createdRequests()
        let acknowledged = writers.acknowledged.withLock { $0 }.union([id])
        #expect(Set(ids).count == ids.count)
        #expect(acknowledged.isSubset(of: Set(ids)), "lost \(acknowledged.subtracting(ids).count) acknowledged writes")
    }
}
