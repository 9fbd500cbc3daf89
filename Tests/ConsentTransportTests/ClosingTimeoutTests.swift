import Foundation
import Synchronization
import Testing
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// A connection in `closing` writes its last output, ending with a GoAway; a
/// peer that never reads used to keep it there forever, blocking SIGTERM and
/// leaking the descriptor (review finding H2).
@Suite("Closing connections are bounded")
struct ClosingTimeoutTests {
    /// A client with a 4 KiB receive buffer that pipelines `count` echo
    /// requests of `size` bytes and never reads; the writes run on another
    /// thread because they block once the server stops reading.
    static func floodWithoutReading(_ server: TestServer, count: Int = 200, size: Int = 60 * 1024) throws -> (RawTLSClient, DispatchSemaphore) {
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank), receiveBuffer: 4096)
        let payload = [UInt8](repeating: 0x5A, count: size)
        nonisolated(unsafe) let client = raw  // used by the writer thread only until the test waits for it
        let writer = onNewThread {
            let frame = FrameEncoder.encode(requestFrame(callID: 1, method: TestMethod.echo, payload: payload))
            // The same frame with call ids 1, 2, …: the id is the varint after "08" at offset 4.
            for i in 0..<count {
                var bytes = frame
                bytes[5] = UInt8(i % 100 + 1)
                client.write(bytes)  // returns early once the server closes the socket
            }
        }
        for _ in 0..<5000 where server.server.stats.readPauses == 0 { usleep(1000) }
        #expect(server.server.stats.readPauses > 0, "the server never paused reading: \(server.server.stats)")
        return (raw, writer)
    }

    @Test("a client that pipelines echo calls and never reads cannot block a graceful shutdown")
    func nonReadingClientDoesNotBlockShutdown() throws {
        let server = try TestServer()
        let (raw, writer) = try Self.floodWithoutReading(server)
        #expect(server.shutdown(timeout: .milliseconds(500), within: .seconds(10)), "the shutdown never completed")
        #expect(server.server.stats.connectionsOpen == 0)
        // Unblocks the writer even if the server never closed (the old hang).
        shutdown(raw.fd, Int32(SHUT_RDWR))
        writer.wait()
    }

    @Test("the idle-timeout GoAway to a client that does not read is bounded by the closing timer")
    func idleGoAwayToNonReadingClientIsBounded() async throws {
        let server = try TestServer { $0.idleTimeout = .milliseconds(300) }
        let (raw, writer) = try Self.floodWithoutReading(server)
        // No shutdown: the idle timeout alone must end the connection.
        for _ in 0..<5000 where server.server.stats.connectionsOpen > 0 { usleep(1000) }
        #expect(server.server.stats.connectionsOpen == 0)
        // Unblocks the writer even if the server never closed (the old hang).
        shutdown(raw.fd, Int32(SHUT_RDWR))
        writer.wait()
        await server.shutdown()
    }

    @Test("a connection still in its TLS handshake at shutdown is closed, and shutdown completes")
    func handshakingConnectionClosedAtShutdown() throws {
        let server = try TestServer()  // handshake timeout 10 s
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank), handshake: false)
        for _ in 0..<2000 where server.server.stats.connectionsOpen == 0 { usleep(1000) }
        #expect(server.server.stats.connectionsOpen == 1)
        // Well before the 10 s handshake timeout (the old code never finished).
        #expect(server.shutdown(timeout: .seconds(5), within: .seconds(8)), "the shutdown never completed")
        #expect(server.server.stats.connectionsOpen == 0)
        _ = raw
    }

    @Test("forceClose ends closing and lingering connections at once")
    func forceCloseEndsClosingAndLingering() {
        var closing = ConnectionStateMachine()
        _ = closing.handshakeCompleted(hasPrincipal: true)
        _ = closing.fail(code: .idleTimeout)
        #expect(closing.state == .closing)
        let forcedClosing = closing.forceClose()
        #expect(forcedClosing == .closeNow)

        var lingering = ConnectionStateMachine()
        _ = lingering.handshakeCompleted(hasPrincipal: true)
        _ = lingering.drain(openCalls: 0)
        _ = lingering.outputFlushed()
        #expect(lingering.state == .lingering)
        let forcedLingering = lingering.forceClose()
        #expect(forcedLingering == .closeNow)

        // closeNow leaves the transition to closed() (the connection releases
        // the socket only when closed() says it was not closed yet).
        var handshaking = ConnectionStateMachine()
        let drained = handshaking.drain(openCalls: 0)
        #expect(drained == .closeNow)
        let released = handshaking.closed()
        #expect(released)
    }
}

extension TestServer {
    /// Shuts down and waits at most `within` for the completion.
    /// - Returns: whether it completed in time.
    func shutdown(timeout: Duration, within: Duration) -> Bool {
        let done = DispatchSemaphore(value: 0)
        server.shutdownGracefully(timeout: timeout) { done.signal() }
        return done.wait(timeout: .now() + .milliseconds(Int(within.components.seconds * 1000))) == .success
    }
}
