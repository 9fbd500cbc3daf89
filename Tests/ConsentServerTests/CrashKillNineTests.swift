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

/// Nothing acknowledged is ever lost (DESIGN §8), with the real `consentd`, a
/// real `kill -9` at a random moment and a real restart on the same directory.
///
/// The writes are the bank's own: `CreateRequest` calls from several
/// connections, each answered only once its event is durable. After every
/// restart the bank's events feed (`ListEvents`) must hold every request that
/// was acknowledged before the kill. Small segments and frequent snapshots put
/// segment rolls, snapshot writes and (in odd rounds) segment removal in the
/// window where the kill lands.
@Suite(.serialized) struct CrashKillNineTests {
    typealias Service = Consent_V1_ConsentService

    /// Several connections, each with calls in flight, creating consent requests.
    final class Writers: Sendable {
        let acknowledged = Mutex<Set<String>>([])
        let launched = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let clients: [ConsentClient]

        init(port: Int, connections: Int) throws {
            clients = try (0..<connections).map { _ in try CrashKillNineTests.client(port: port, as: "consumer") }
        }

        func start(inFlightPerConnection: Int) {
            for client in clients { for _ in 0..<inFlightPerConnection { launch(client) } }
        }

        private func launch(_ client: ConsentClient) {
            guard !stop.load(ordering: .relaxed) else { return }
            launched.add(1, ordering: .relaxed)
            client.startUnary(Service.createRequest, Flow.navRequest()) { result in
                if case .success(let response) = result {
                    self.acknowledged.withLock { _ = $0.insert(response.request!.id) }
                    self.finished.add(1, ordering: .relaxed)
                    self.launch(client)
                } else {
                    // The server is gone (killed): this call's outcome is unknown.
                    self.finished.add(1, ordering: .relaxed)
                }
            }
        }

        var acknowledgedCount: Int { acknowledged.withLock { $0.count } }

        func close() { for client in clients { client.close() } }
    }

    static func client(port: Int, as principal: String) throws -> ConsentClient {
        try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("\(principal).pem"), keyFile: TestHub.certificates.path("\(principal).key")))
    }

    /// Starts consentd on `data` (and on the database `postgres`, when
    /// given); with the embedded log, in odd rounds it also removes covered segments.
    static func startChild(_ data: String, round: Int, postgres: String?) throws -> ConsentdProcess {
        var arguments = ["--demo-registry", "--snapshot-every-records", "400", "--snapshots-to-keep", "2"]
        if let postgres {
            arguments += ["--postgres", postgres]
        } else {
            arguments += ["--segment-size", "64K"]
            if round % 2 == 1 { arguments.append("--remove-covered-segments") }
            // Pre-zeroed space (off by default) in the other rounds: kills
            // land inside the zeros too.
            if round % 2 == 0 { arguments += ["--pre-zero", "16K"] }
        }
        let child = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: arguments)
        // A node of a shared store serves once it holds the lease (at once
        // when the killed node's session is gone, else when its lease ends).
        if postgres != nil { try child.waitUntilServing() }
        return child
    }

    /// Whether the server at `port` serves, and every request the bank's feed shows as created.
    static func createdRequests(port: Int) async throws -> (serving: Bool, ids: [String]) {
        let bank = try client(port: port, as: "consumer")
        defer { bank.close() }
        let serving = try await bank.unary(Consent_V1_Health.check, .init()).status == .serving
        var ids: [String] = []
        var cursor: UInt64 = 0
        while true {
            let page = try await bank.unary(Service.listEvents, .init(after: cursor, types: [.requestCreated], limit: 1000))
            ids += page.events.map(\.requestId)
            cursor = page.nextCursor
            if page.reachedEnd { break }
        }
        return (serving, ids)
    }

    @Test(arguments: TestStorage.allCases)
    func everyRequestAcknowledgedBeforeAKillNineIsThereAfterTheRestart(_ storage: TestStorage) async throws {
        let postgres = try storage.makeDatabase()
        let data = TestHub.makeTemporaryDirectory("crash") + "/data"
        defer { try? FileManager.default.removeItem(atPath: String(data.dropLast("/data".count))) }
        var acknowledged = Set<String>()
        var launched = 0
        var generator = SystemRandomNumberGenerator()

        for round in 0..<5 {
            let child = try Self.startChild(data, round: round, postgres: postgres)
            // The restart: everything acknowledged in earlier rounds is there, and it serves.
            let before = try await Self.createdRequests(port: child.port)
            #expect(before.serving, "round \(round): the restarted server serves; log: \(child.log)")
            let present = Set(before.ids)
            #expect(present.count == before.ids.count, "round \(round): a request appears twice in the feed")
            let lost = acknowledged.subtracting(present)
            #expect(lost.count == 0, "round \(round): lost \(lost.count) of \(acknowledged.count) acknowledged requests, e.g. \(lost.sorted().prefix(5)); log: \(child.log)")
            #expect(present.count <= launched, "round \(round): \(present.count) requests but only \(launched) were ever sent")
            #expect(child.log.contains(postgres == nil ? "recovery: log ends at sequence" : "recovery: events end at sequence"), "the start-up log reports recovery")

            // Write from 4 connections, 8 calls in flight each; kill at a random moment.
            let writers = try Writers(port: child.port, connections: 4)
            writers.start(inFlightPerConnection: 8)
            let wanted = Int.random(in: 100...800, using: &generator)
            for _ in 0..<6000 where writers.acknowledgedCount < wanted { usleep(10_000) }
            #expect(writers.acknowledgedCount >= wanted, "round \(round): only \(writers.acknowledgedCount) requests acknowledged in 60 s")
            usleep(UInt32.random(in: 0...200_000, using: &generator))
            child.kill9()
            writers.stop.store(true, ordering: .relaxed)
            // Every call ends (OK before the kill, an error after); OKs that
            // were already on their way count as acknowledged too.
            for _ in 0..<3000 where writers.finished.load(ordering: .relaxed) < writers.launched.load(ordering: .relaxed) { usleep(10_000) }
            #expect(writers.finished.load(ordering: .relaxed) == writers.launched.load(ordering: .relaxed), "round \(round): every call got an answer")
            writers.close()
            acknowledged.formUnion(writers.acknowledged.withLock { $0 })
            launched += writers.launched.load(ordering: .relaxed)
        }

        // The last restart, then a clean stop and a read-only check of the directory.
        let last = try Self.startChild(data, round: 0, postgres: postgres)
        let after = try await Self.createdRequests(port: last.port)
        let lost = acknowledged.subtracting(after.ids)
        #expect(lost.count == 0, "lost \(lost.count) of \(acknowledged.count) acknowledged requests, e.g. \(lost.sorted().prefix(5))")
        // A request created before a kill can still be answered after the restart.
        if let id = acknowledged.first {
            let bank = try Self.client(port: last.port, as: "consumer")
            #expect(try await bank.unary(Service.getRequestStatus, .init(requestId: id)).request?.status == .created)
            bank.close()
        }
        last.signal(SIGTERM)
        #expect(last.waitForExit() == 0)
        var configuration = ServerConfiguration()
        configuration.dataDirectory = data
        configuration.postgres = postgres ?? ""
        let verified = DataVerification.check(configuration)
        #expect(verified.verdict == .healthy, "\(verified.text)")
    }
}
