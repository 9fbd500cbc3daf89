#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentTesting
import Foundation
import Synchronization
import Testing

/// Issue 11, point 4: every abusive client of the list against a real
/// consentd, one after another, while a well-behaved client keeps calling;
/// then the hub's connection memory is back where it was. No latency is
/// asserted here (the machine is shared): `consent-abusebench` (make bench)
/// measures what the abusers cost the good client.
@Suite(.serialized) struct AbusiveClientTests {
    /// A well-behaved bank calling Health.Check back to back on its own thread.
    final class GoodClient: @unchecked Sendable {  // the counters are atomics; `client` is used by its thread only
        let client: ConsentClient
        let ok = Atomic<Int>(0)
        let failed = Mutex<[String]>([])
        private let stop = Atomic<Bool>(false)
        private var done: DispatchSemaphore?

        init(_ client: ConsentClient) {
            self.client = client
        }

        func start() {
            let done = DispatchSemaphore(value: 0)
            self.done = done
            Thread { [self] in
                while !stop.load(ordering: .relaxed) {
                    do {
                        _ = try client.unaryBlocking(Consent_V1_Health.check, .init(), options: CallOptions(timeout: .seconds(20)))
                        ok.add(1, ordering: .relaxed)
                    } catch {
                        failed.withLock { $0.append("\(error)") }
                    }
                    usleep(2000)
                }
                done.signal()
            }.start()
        }

        func finish() {
            stop.store(true, ordering: .relaxed)
            done?.wait()
        }
    }

    static func stats(_ admin: ConsentClient) throws -> Consent_V1_HealthStatsResponse {
        try admin.unaryBlocking(Consent_V1_Health.stats, .init())
    }

    /// Polls until `condition` holds (up to 20 s).
    static func eventually(_ condition: () throws -> Bool) rethrows -> Bool {
        for _ in 0..<200 {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    @Test func everyAbusiveClientIsAnsweredWhileAGoodOneIsServedAndMemoryReturns() throws {
        let certificates = TestHub.certificates
        let data = TestHub.makeTemporaryDirectory("abuse")
        defer { try? FileManager.default.removeItem(atPath: data) }
        // Short timeouts so that the abusers' connections end within the test.
        let server = try ConsentdProcess(certificates: certificates, dataDirectory: data, extraArguments: [
            "--handshake-timeout", "1", "--frame-timeout", "1",
        ])
        let bank = HubEndpoint(port: server.port, certificates: certificates, principal: "consumer")
        func client(_ principal: String) throws -> ConsentClient {
            try ConsentClient(configuration: .init(
                host: "127.0.0.1", port: server.port, caFile: certificates.path("ca.pem"),
                certificateFile: certificates.path("\(principal).pem"), keyFile: certificates.path("\(principal).key")))
        }
        let admin = try client("admin")
        let good = GoodClient(try client("consumer"))
        for _ in 0..<500 { _ = try good.client.unaryBlocking(Consent_V1_Health.check, .init()) }
        let baseline = try Self.stats(admin)
        good.start()

        var outcomes: [AbuseOutcome] = []
        let never = AbusiveClients.neverHandshake(bank, count: 100, hold: .milliseconds(1500))
        #expect(never["closed by the server"] == 100, "\(never)")
        outcomes.append(never)
        #expect(try Self.eventually { try Self.stats(admin).handshakesPending == 0 })

        let slow = AbusiveClients.slowloris(bank, connections: 5, interval: .milliseconds(100), limit: .seconds(10))
        #expect(slow["GoAway GO_AWAY_CODE_IDLE_TIMEOUT"] == 5, "\(slow)")
        outcomes.append(slow)

        let unread = AbusiveClients.neverRead(bank, calls: 5_000_000, hold: .milliseconds(500))
        #expect(unread["server stopped reading"] == 1, "\(unread)")
        outcomes.append(unread)

        let tcpCycles = AbusiveClients.connectAndDrop(bank, cycles: 1000, tls: false)
        // Each dropped TCP connection counts as a pending handshake until the
        // server has seen it close; on a loaded machine that can lag behind
        // the 64 allowed per address, and the next TLS connections would be
        // refused by that limit, as they should. Let the server catch up first.
        #expect(try Self.eventually { try Self.stats(admin).handshakesPending == 0 })
        let tlsCycles = AbusiveClients.connectAndDrop(bank, cycles: 100, tls: true)
        #expect(tcpCycles["dropped"] == 1000 && tlsCycles["dropped"] == 100, "\(tcpCycles); \(tlsCycles)")
        outcomes += [tcpCycles, tlsCycles]

        let huge = AbusiveClients.hugeLength(bank)
        #expect(huge["GoAway GO_AWAY_CODE_FRAME_TOO_LARGE"] == 1, "\(huge)")
        let deep = AbusiveClients.deepAndHuge(bank)
        #expect(deep["OK"] == 3, "\(deep)")
        let deadlines = AbusiveClients.extremeDeadlines(bank)
        #expect(deadlines.answers.values.reduce(0, +) == 3, "\(deadlines)")
        let cancels = AbusiveClients.unknownCancels(bank, count: 10_000)
        #expect(cancels["OK"] == 1, "\(cancels)")
        let zero = AbusiveClients.callIDZero(bank)
        #expect(zero["GoAway GO_AWAY_CODE_PROTOCOL_ERROR"] == 1, "\(zero)")
        let duplicate = AbusiveClients.duplicateCallIDs(bank)
        #expect(duplicate["GoAway GO_AWAY_CODE_PROTOCOL_ERROR"] == 1, "\(duplicate)")
        outcomes += [huge, deep, deadlines, cancels, zero, duplicate]

        good.finish()
        #expect(good.failed.withLock { $0 }.isEmpty, "the good client was refused: \(good.failed.withLock { $0.prefix(3) })")
        #expect(good.ok.load(ordering: .relaxed) > 0)

        // The abusers are gone: only the good client's and the admin's connections remain,
        // and with them only their buffers.
        #expect(try Self.eventually { try Self.stats(admin).connectionsOpen == 2 })
        let after = try Self.stats(admin)
        #expect(after.connectionBufferBytes <= baseline.connectionBufferBytes + 256 * 1024,
                "buffers \(baseline.connectionBufferBytes) → \(after.connectionBufferBytes)")
        #expect(after.connectionsRetained <= 2 + 64, "closed connections still referenced: \(after.connectionsRetained)")
        // Resident memory: allocators keep some of what was freed, so this is
        // loose; make bench reports the ratio. Before the fixes the abusers
        // above held hundreds of megabytes.
        #expect(after.residentBytes < baseline.residentBytes + 64 << 20,
                "resident \(baseline.residentBytes >> 20) MiB → \(after.residentBytes >> 20) MiB")
        print("abusive clients: \(outcomes.map(\.description).joined(separator: "; ")); good client: \(good.ok.load(ordering: .relaxed)) calls; resident \(baseline.residentBytes >> 20) → \(after.residentBytes >> 20) MiB")
        good.client.close()
        admin.close()
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}
