import Dispatch
import Glibc
import Testing
import ConsentClient
import ConsentRPC
@testable import ConsentTransport

/// A loop's handlers and timer targets hold their loop (a connection keeps
/// its loop context), so a loop that kept them after it ended kept a whole
/// client or server alive: every closed `ConsentClient` and every stopped
/// server leaked its connections, buffers and TLS sessions (found by
/// AddressSanitizer's leak check under `make test-sanitizers`).
@Suite("A stopped event loop lets go")
struct ReleaseAfterStopTests {
    /// Written on the loop before the semaphore, read after it.
    final class WeakBox: @unchecked Sendable {
        weak var value: AnyObject?
    }

    final class Handler: Selectable, TimerTarget {
        let loop: EventLoop
        init(loop: EventLoop) { self.loop = loop }
        func handleEvents(_ events: UInt32) {}
        func timerFired(_ payload: UInt64) {}
        func isTimerLive(_ payload: UInt64) -> Bool { true }
    }

    @Test("of the handlers and timer targets it still had")
    func handlersAndTimersAreReleased() throws {
        let released = WeakBox()
        let loop = try EventLoop()
        let registered = DispatchSemaphore(value: 0)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let readEnd = fds[0]
        loop.execute {
            let handler = Handler(loop: loop)
            released.value = handler
            try? loop.register(readEnd, events: Linux.EPOLLIN, handler: handler)
            loop.scheduleTimer(at: loop.now.adding(nanoseconds: 3_600_000_000_000), target: handler, payload: 1)
            registered.signal()
        }
        registered.wait()
        loop.stop()
        #expect(released.value == nil, "the stopped loop still holds its handler (and through it, itself)")
        close(fds[0])
        close(fds[1])
    }

    @Test("a closed client's connection and a stopped server are freed")
    func closedClientAndStoppedServerAreFreed() async throws {
        weak var connection: ClientConnection?
        weak var clientLoop: EventLoop?
        do {
            let server = try TestServer()
            let client = try server.client()
            #expect(client.call(TestMethod.echo, [1]).code == .ok)
            connection = client.connection
            clientLoop = client.connection.loop
            client.close()
            await server.shutdown(timeout: .seconds(1))
        }
        #expect(connection == nil, "a closed ConsentClient's connection is still alive")
        #expect(clientLoop == nil, "a closed ConsentClient's own event loop is still alive")
    }
}

extension ReleaseAfterStopTests {
    @Test("a server that has shut down is freed with its last handle")
    func shutDownServerIsFreed() async throws {
        weak var shared: ServerShared?
        do {
            let server = try TestServer()
            let client = try server.client()
            #expect(client.call(TestMethod.echo, [1]).code == .ok)
            shared = server.server.shared
            client.close()
            await server.shutdown(timeout: .seconds(1))
        }
        #expect(shared == nil, "a shut-down server's loops, contexts and dispatcher are still alive")
    }
}
