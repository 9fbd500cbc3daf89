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

    /// A Request with `method` and nothing else, answered by the server.
    static func call(_ raw: RawTLSClient, _ callID: UInt32, method: String) -> Consent_V1_Response? {
        raw.send(requestFrame(callID: callID, method: method, payload: [1, 2, 3]))
        guard case .response(let response)? = raw.readFrames(1).first?.kind else { return nil }
        return response
    }

    @Test("an unknown certificate's calls are refused before anything of them is read or kept")
    func strangersCostNothing() async throws {
        let server = try TestServer(loops: 1, unknownPrincipals: ["CN Only Org"])
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.cnOnly))
        // 32 different method names of 256 KiB each (the attack test used 3.9 MB).
        for i in 0..<32 {
            let name = "/" + String(repeating: Character(UnicodeScalar(UInt8(65 + i % 26))), count: 256 * 1024)
            let answer = Self.call(raw, UInt32(i + 1), method: name)
            #expect(answer?.statusCode == UInt32(StatusCode.unauthenticated.rawValue), "call \(i): \(String(describing: answer?.statusMessage))")
        }
        // Idle, with its calls answered, the connection holds only its empty buffers.
        #expect(server.server.stats.connectionBufferBytes < 1 << 20, "\(server.server.stats.connectionBufferBytes) bytes held")
        #expect(server.recorder.dispatched.load(ordering: .relaxed) == 0, "the dispatcher never sees a stranger's call")
        await server.shutdown()
    }

    @Test("method names a known caller invents are not kept either")
    func unknownMethodNamesAreNotKept() async throws {
        let server = try TestServer(loops: 1)
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        for i in 0..<40 {
            let name = "/x.Y/" + String(repeating: "m", count: 128 * 1024 + i)
            #expect(Self.call(raw, UInt32(i + 1), method: name)?.statusCode == UInt32(StatusCode.unimplemented.rawValue))
        }
        #expect(Self.call(raw, 99, method: TestMethod.echo)?.payload == [1, 2, 3])
        #expect(server.server.stats.connectionBufferBytes < 1 << 20, "\(server.server.stats.connectionBufferBytes) bytes held")
        await server.shutdown()
    }

    @Test("a quiet connection gives its buffers back, is served again at once, and a busy one keeps them")
    func quietConnectionsGiveTheirBuffersBack() async throws {
        let server = try TestServer(loops: 1) { $0.idleBufferRelease = .milliseconds(100) }
        var clients: [RawTLSClient] = []
        for i in 0..<10 {
            let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
            #expect(Self.call(raw, UInt32(i + 1), method: TestMethod.echo)?.payload == [1, 2, 3])
            clients.append(raw)
        }
        // Quiet: each keeps a few bytes of bookkeeping (the decoder's 4, the output's 64).
        #expect(Self.eventually { server.server.stats.connectionBufferBytes <= 10 * 128 },
                "\(server.server.stats.connectionBufferBytes) bytes still held by 10 quiet connections")
        // Every one is served again, and again gives its buffers back.
        for (i, raw) in clients.enumerated() {
            #expect(Self.call(raw, UInt32(100 + i), method: TestMethod.echo)?.payload == [1, 2, 3], "connection \(i)")
            raw.send(Consent_V1_Frame(callId: 0, kind: .ping(Consent_V1_Ping(data: 5))))
            guard case .pong(let pong)? = raw.readFrames(1).first?.kind else {
                Issue.record("connection \(i): no pong after its buffers were given back")
                continue
            }
            #expect(pong.data == 5)
        }
        #expect(Self.eventually { server.server.stats.connectionBufferBytes <= 10 * 128 })
        // A call still open keeps its connection's buffers, however long it lasts.
        let waiting = clients[0]
        waiting.send(requestFrame(callID: 500, method: TestMethod.never, payload: [1], deadlineMs: .max))
        server.recorder.waitForNever(count: 1)
        usleep(500_000)
        #expect(server.server.stats.connectionBufferBytes > 4 * 1024, "the connection with an open call kept its buffers")
        await server.shutdown()
    }

    @Test("an unfinished frame costs the bytes that arrived, not the length it announced")
    func unfinishedFramesCostWhatArrived() async throws {
        let server = try TestServer(loops: 1)
        var clients: [RawTLSClient] = []
        for _ in 0..<10 {
            let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
            raw.write(Self.prefix(4 * 1024 * 1024 - 1) + [UInt8](repeating: 0, count: 1000))
            clients.append(raw)
        }
        #expect(Self.eventually { server.server.stats.bytesRead >= 10 * 1004 })
        let held = server.server.stats.connectionBufferBytes
        #expect(held < 10 * 64 * 1024, "\(held) bytes for 10 connections that sent 1,004 bytes each")
        // A frame that does arrive in full is still read.
        let whole = clients[0]
        whole.write([UInt8](repeating: 0, count: 4 * 1024 * 1024 - 1 - 1000))
        whole.send(Consent_V1_Frame(callId: 0, kind: .ping(Consent_V1_Ping(data: 7))))
        // The big frame is all zeros: field 0, a protocol error; what matters is that it was read whole.
        #expect(goAwayCode(whole.readUntilClosed().frames) == .protocolError)
        await server.shutdown()
    }

    @Test("a frame trickled a byte at a time is cut off at the frame timeout")
    func slowlorisFrameTimesOut() async throws {
        let server = try TestServer(loops: 1) { $0.frameTimeout = .milliseconds(300) }
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        let frame = FrameEncoder.encode(requestFrame(callID: 1, method: TestMethod.echo, payload: [UInt8](repeating: 9, count: 100)))
        // One byte every 50 ms: every byte is activity, so the idle timeout never fires.
        for byte in frame.prefix(40) {
            raw.write([byte])
            usleep(50_000)
        }
        let (frames, closed) = raw.readUntilClosed()
        #expect(goAwayCode(frames) == .idleTimeout, "\(frames)")
        #expect(closed)
        if case .goAway(let g)? = frames.last?.kind { #expect(g.reason.contains("not complete after"), "\(g.reason)") }
        // A frame that arrives in time is served, however it is split.
        let next = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        for chunk in stride(from: 0, to: frame.count, by: 30) {
            next.write(Array(frame[chunk..<min(chunk + 30, frame.count)]))
            usleep(20_000)
        }
        #expect(next.readFrames(1).first?.callId == 1)
        await server.shutdown()
    }
}
