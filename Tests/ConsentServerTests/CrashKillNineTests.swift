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

/// Nothing acknowledged is ever lost (DESIGN §8), with a real process, a real
/// `kill -9` at a random moment and a real restart on the same directory.
///
/// The child is `consent-crashtarget`: consentd's server with a test-only
/// write (`LedgerTestService.register`) that goes over mutual TLS, through the
/// router and the ledger into the log, and is answered only once durable,
/// like every write of the product. Small segments and frequent snapshots put
/// segment rolls, snapshot writes and (in odd rounds) segment removal in the
/// window where the kill lands.
@Suite(.serialized) struct CrashKillNineTests {
    static let binary = ConsentdProcess.sibling("consent-crashtarget")

    /// Several connections, each with calls in flight, writing distinct numbers.
    final class Writers: Sendable {
        let acknowledged = Mutex<Set<UInt32>>([])
        let next: Atomic<UInt32>
        let launched = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let clients: [ConsentClient]

        init(port: Int, connections: Int, firstNumber: UInt32) throws {
            next = Atomic(firstNumber)
            clients = try (0..<connections).map { _ in
                try ConsentClient(configuration: .init(
                    host: "127.0.0.1", port: port, caFile: TestHub.certificates.path("ca.pem"),
                    certificateFile: TestHub.certificates.path("datasource.pem"), keyFile: TestHub.certificates.path("datasource.key")))
            }
        }

        func start(inFlightPerConnection: Int) {
            for client in clients { for _ in 0..<inFlightPerConnection { launch(client) } }
        }

        private func launch(_ client: ConsentClient) {
            guard !stop.load(ordering: .relaxed) else { return }
            let number = next.add(1, ordering: .relaxed).oldValue
            launched.add(1, ordering: .relaxed)
            client.startUnary(LedgerTestService.register, .init(service: String(number))) { result in
                if case .success = result {
                    self.acknowledged.withLock { _ = $0.insert(number) }
                    self.finished.add(1, ordering: .relaxed)
                    self.launch(client)
                } else {
                    // The server is gone (killed): this call's outcome is unknown.
                    self.finished.add(1, ordering: .relaxed)
                }
            }
        }

        var acknowledgedCount: Int { acknowledged.withLock { $0.count } }
        var highestLaunched: UInt32 { next.load(ordering: .relaxed) - 1 }

        func close() { for client in clients { client.close() } }
    }

    /// Starts the child on `data`; in odd rounds it also removes covered segments.
    static func startChild(_ data: String, round: Int) throws -> ConsentdProcess {
        var arguments = ["--segment-size", "64K", "--snapshot-every-records", "400", "--snapshots-to-keep", "2"]
        if round % 2 == 1 { arguments.append("--remove-covered-segments") }
        return try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: arguments, binary: binary)
    }

    /// The numbers the server at `port` has, over the wire.
    static func registered(port: Int) async throws -> (serving: Bool, numbers: Set<UInt32>) {
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("admin.pem"), keyFile: TestHub.certificates.path("admin.key")))
        defer { client.close() }
        let serving = try await client.unary(Consent_V1_Health.check, .init()).status == .serving
        let numbers = Set(LedgerTestService.numbers(in: try await client.unary(LedgerTestService.list, .init())))
        return (serving, numbers)
    }

    @Test func everyWriteAcknowledgedBeforeAKillNineIsThereAfterTheRestart() async throws {
        try #require(access(Self.binary, X_OK) == 0, "\(Self.binary) is missing: build the package with `swift build --build-tests` first")
        let data = TestHub.makeTemporaryDirectory("crash") + "/data"
        defer { try? FileManager.default.removeItem(atPath: String(data.dropLast("/data".count))) }
        var acknowledged = Set<UInt32>()
        var firstNumber: UInt32 = 1
        var generator = SystemRandomNumberGenerator()

        for round in 0..<5 {
            let child = try Self.startChild(data, round: round)
            // The restart: everything acknowledged in earlier rounds is there, and it serves.
            let before = try await Self.registered(port: child.port)
            #expect(before.serving, "round \(round): the restarted server serves; log: \(child.log)")
            let lost = acknowledged.subtracting(before.numbers)
            #expect(lost.isEmpty, "round \(round): lost \(lost.count) of \(acknowledged.count) acknowledged writes, e.g. \(lost.sorted().prefix(20)); log: \(child.log)")
            let neverWritten = before.numbers.filter { $0 >= firstNumber }
            #expect(neverWritten.isEmpty, "round \(round): numbers that were never written: \(neverWritten.sorted().prefix(20))")
            #expect(child.log.contains("recovery: log ends at sequence"), "the start-up log reports recovery")

            // Write from 4 connections, 8 calls in flight each; kill at a random moment.
            let writers = try Writers(port: child.port, connections: 4, firstNumber: firstNumber)
            writers.start(inFlightPerConnection: 8)
            let wanted = Int.random(in: 100...800, using: &generator)
            for _ in 0..<6000 where writers.acknowledgedCount < wanted { usleep(10_000) }
            #expect(writers.acknowledgedCount >= wanted, "round \(round): only \(writers.acknowledgedCount) writes acknowledged in 60 s")
            usleep(UInt32.random(in: 0...200_000, using: &generator))
            child.kill9()
            writers.stop.store(true, ordering: .relaxed)
            // Every call ends (OK before the kill, an error after); OKs that
            // were already on their way count as acknowledged too.
            for _ in 0..<3000 where writers.finished.load(ordering: .relaxed) < writers.launched.load(ordering: .relaxed) { usleep(10_000) }
            #expect(writers.finished.load(ordering: .relaxed) == writers.launched.load(ordering: .relaxed), "round \(round): every call got an answer")
            writers.close()
            acknowledged.formUnion(writers.acknowledged.withLock { $0 })
            firstNumber = writers.highestLaunched + 1
        }

        // The last restart, then a clean stop, a read-only check, and the real consentd on the same directory.
        let last = try Self.startChild(data, round: 0)
        let after = try await Self.registered(port: last.port)
        let lost = acknowledged.subtracting(after.numbers)
        #expect(lost.isEmpty, "lost \(lost.count) of \(acknowledged.count) acknowledged writes, e.g. \(lost.sorted().prefix(20))")
        last.signal(SIGTERM)
        last.waitForExit()
        var configuration = ServerConfiguration()
        configuration.dataDirectory = data
        let verified = DataVerification.check(configuration)
        #expect(verified.verdict == .healthy, "\(verified.text)")

        let consentd = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data)
        let client = try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: consentd.port, caFile: TestHub.certificates.path("ca.pem"),
            certificateFile: TestHub.certificates.path("admin.pem"), keyFile: TestHub.certificates.path("admin.key")))
        #expect(try await client.unary(Consent_V1_Health.check, .init()).status == .serving)
        #expect(try await client.unary(Consent_V1_Health.stats, .init()).eventsCommitted >= UInt64(acknowledged.count))
        client.close()
        consentd.signal(SIGTERM)
        #expect(consentd.waitForExit() == 0)
    }
}
