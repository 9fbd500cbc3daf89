import Foundation
import Testing
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// What a connection costs the server, measured with the counters it exposes
/// (`Stats.connectionBufferBytes`, `Stats.connectionsRetained`) rather than
/// the process's resident memory, which other tests in the process move.
@Suite("Connection memory")
struct ConnectionMemoryTests {
    /// Polls `condition` for up to 10 s.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<10_000 {
            if condition() { return true }
            usleep(1000)
        }
        return condition()
    }

    /// The 4-byte length prefix of a frame of `length` bytes.
    static func prefix(_ length: UInt32) -> [UInt8] {
        [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
    }

    @Test("a closed connection gives its buffers back at once, whatever timers or calls still name it")
    func closedConnectionsFreeTheirBuffers() async throws {
        let server = try TestServer(loops: 1)
        let baseline = server.server.stats.connectionBufferBytes
        #expect(baseline == 0)
        // Unfinished frames of 4 MiB − 1 bytes (the attack test's), each
        // connection closed by the client half-way through its frame: the idle
        // timer (300 s) still names every one of them.
        for _ in 0..<20 {
            let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
            raw.write(Self.prefix(4 * 1024 * 1024 - 1) + [UInt8](repeating: 0, count: 256 * 1024))
            raw.send(Consent_V1_Frame(callId: 0, kind: .ping(Consent_V1_Ping(data: 1))))  // inside the frame: never answered
        }
        // Calls with the longest deadline, never answered (the handler keeps
        // its responder, and so the connection object, for ever), abandoned by closing.
        for i in 0..<5 {
            let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
            raw.send(requestFrame(callID: 1, method: TestMethod.never, payload: [UInt8](repeating: 1, count: 100_000), deadlineMs: .max))
            server.recorder.waitForNever(count: i + 1)
        }
        #expect(Self.eventually { server.server.stats.connectionsOpen == 0 })
        let stats = server.server.stats
        // Every closed connection keeps at most a few bytes of bookkeeping.
        #expect(stats.connectionBufferBytes < 64 * 1024, "\(stats.connectionBufferBytes) bytes still held by \(stats.connectionsRetained) closed connections")
        await server.shutdown()
    }
}
