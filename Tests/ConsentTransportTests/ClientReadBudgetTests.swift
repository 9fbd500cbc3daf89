import Foundation
import Synchronization
import Testing
import ConsentRPC
@testable import ConsentTransport

/// Client connections sharing one event loop (a load generator, a gateway)
/// read through the same `FramedChannel` as the server: a readable event reads
/// at most `FramedChannel.readBudget` TLS records before the loop's other work.
@Suite("Client read budget")
struct ClientReadBudgetTests {
    @Test("a client connection flooded with a stream does not keep a shared loop from another connection's call")
    func floodedConnectionDoesNotStarveItsLoop() throws {
        // 32 MiB of 1 KiB stream messages, all in the server's output at once
        // (no backpressure pause), so the server writes as fast as the socket
        // takes it and the flooded connection always has more to read.
        let total = 32 * 1024
        let server = try TestServer { configuration in
            configuration.outputHighWaterMark = 48 << 20
            configuration.outputLimit = 64 << 20
        }
        let loop = try EventLoop(name: "shared-client-loop")
        defer { loop.stop() }
        func connect() throws -> ClientConnection {
            try ClientConnection.connect(.init(
                host: "127.0.0.1", port: server.port, tls: try server.clientTLS(TestServer.certs.bank), eventLoop: loop))
        }
        let flooded = try connect()
        let other = try connect()
        defer {
            flooded.close()
            other.close()
        }

        // Everything below runs on the shared loop: the stream's messages, the
        // other connection's call (started from the 64th message) and its answer.
        final class Progress: @unchecked Sendable {  // touched on the shared loop only
            var received = 0
            var inOrder = true
            var receivedWhenAnswered: Int? = nil
            var answer: CallResult? = nil
        }
        let progress = Progress()
        let echoDone = DispatchSemaphore(value: 0)
        let streamResult = Mutex<CallResult?>(nil)
        let streamDone = DispatchSemaphore(value: 0)
        let count = withUnsafeBytes(of: UInt32(total).bigEndian) { Array($0) }
        _ = flooded.startCall(method: TestMethod.stream, payload: count, options: CallOptions(), onMessage: { message in
            let index = message.withUnsafeBytes { Int(UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self))) }
            if index != progress.received { progress.inOrder = false }
            progress.received += 1
            if progress.received == 64 {
                // Written at the end of this loop turn: only once the flooded
                // connection lets the turn end.
                _ = other.startCall(method: TestMethod.echo, payload: [42], options: CallOptions(), onMessage: { _ in }) { result in
                    progress.receivedWhenAnswered = progress.received
                    progress.answer = result
                    echoDone.signal()
                }
            }
        }) { result in
            streamResult.withLock { $0 = result }
            streamDone.signal()
        }
        echoDone.wait()
        streamDone.wait()

        #expect(streamResult.withLock { $0 }?.code == .ok)
        // The shared loop is idle now: its state can be read from here.
        let done = DispatchSemaphore(value: 0)
        let snapshot = Mutex<(Int, Bool, Int?, CallResult?)>((0, false, nil, nil))
        loop.execute {
            snapshot.withLock { $0 = (progress.received, progress.inOrder, progress.receivedWhenAnswered, progress.answer) }
            done.signal()
        }
        done.wait()
        let (received, inOrder, receivedWhenAnswered, answer) = snapshot.withLock { $0 }
        #expect(received == total)
        #expect(inOrder)
        #expect(answer?.code == .ok)
        #expect(answer?.payload == [42])
        let answeredAt = try #require(receivedWhenAnswered)
        #expect(
            answeredAt < total,
            "the other connection's call was answered only after all \(total) stream messages: the flooded connection kept the loop")
    }
}

@Suite("Client connection state machine")
struct ClientStateMachineTests {
    @Test("handshaking, the first Pong opens, GoAway NO_ERROR drains, the last call closes")
    func drainPath() {
        var m = ClientConnectionStateMachine()
        #expect(m.state == .handshaking)
        #expect(m.isLive)
        m.pongReceived()
        #expect(m.state == .open)
        #expect(m.callStarting() == .send)
        let drain = m.goAwayReceived(noError: true, code: "NO_ERROR", reason: "shutting down")
        #expect(drain == .drain)
        #expect(m.state == .draining(reason: "shutting down"))
        #expect(m.callStarting() == .refuse(message: "the server is going away: shutting down"))
        #expect(m.closeReasonAfterCall(openCalls: 1) == nil)
        let reason = m.closeReasonAfterCall(openCalls: 0)
        #expect(reason == "the server is going away: shutting down")
        let closed = m.close(reason: reason ?? "")
        #expect(closed)
        #expect(!m.isLive)
        #expect(m.closedReason == "the server is going away: shutting down")
        #expect(m.callStarting() == .refuse(message: "the server is going away: shutting down"))
    }

    @Test("an error GoAway closes, a closed connection stays closed with its first reason")
    func errorPaths() {
        var m = ClientConnectionStateMachine()
        m.pongReceived()
        let goAway = m.goAwayReceived(noError: false, code: "PROTOCOL_ERROR", reason: "bad frame")
        #expect(goAway == .close(reason: "server sent GoAway PROTOCOL_ERROR: bad frame"))
        let first = m.close(reason: "server sent GoAway PROTOCOL_ERROR: bad frame")
        #expect(first)
        let second = m.close(reason: "connection closed by the client")
        #expect(!second)
        #expect(m.closedReason == "server sent GoAway PROTOCOL_ERROR: bad frame")
        let late = m.goAwayReceived(noError: true, code: "NO_ERROR", reason: "late")
        #expect(late == ClientConnectionStateMachine.GoAwayAction.none)
        m.pongReceived()  // a late Pong does not reopen
        #expect(m.callStarting() == .refuse(message: "server sent GoAway PROTOCOL_ERROR: bad frame"))

        var handshaking = ClientConnectionStateMachine()
        let early = handshaking.goAwayReceived(noError: true, code: "NO_ERROR", reason: "draining")
        #expect(early == .drain)
        #expect(handshaking.state == .draining(reason: "draining"))
        handshaking.pongReceived()  // a Pong does not undo a drain
        #expect(handshaking.state == .draining(reason: "draining"))
    }
}
