import Foundation
import Synchronization
import Testing
import ConsentClient
import ConsentRPC
@testable import ConsentTransport

/// Anything that reaches a connection after its event loop stopped used to be
/// run on the caller's thread, which posted it again: unbounded recursion and
/// a SIGSEGV (review finding H1).
@Suite("A stopped event loop")
struct StoppedLoopTests {
    @Test("cancel and ping after close() complete instead of recursing until the stack overflows")
    func cancelAndPingAfterCloseDoNotRecurse() throws {
        let server = try TestServer()
        let client = try server.client()
        let finished = Mutex<CallResult?>(nil)
        let handle = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { r in
            finished.withLock { $0 = r }
        }
        server.recorder.waitForNever(count: 1)
        client.close()  // stops the client's own loop
        #expect(finished.withLock { $0 }?.code == .unavailable)

        handle.cancel()  // no-op: the call is over
        let pinged = Mutex<Result<Duration, RPCError>?>(nil)
        client.connection.ping { r in pinged.withLock { $0 = r } }
        if case .failure(let error)? = pinged.withLock({ $0 }) {
            #expect(error.code == .unavailable)
        } else {
            Issue.record("ping after close did not fail at once: \(String(describing: pinged.withLock { $0 }))")
        }
        #expect(throws: RPCError.self) { try client.pingBlocking(timeout: .seconds(1)) }
        #expect(client.call(TestMethod.echo, [1]).code == .unavailable)
        client.close()  // twice is fine
        server.server.shutdownGracefully(timeout: .seconds(1)) {}
    }

    @Test("a late answer from another thread after shutdownGracefully stopped the loops is dropped (no SIGSEGV)")
    func lateAnswerAfterShutdownIsDropped() throws {
        let server = try TestServer(loops: 2)
        let client = try server.client()
        // Answered from another thread 200 ms after it arrives.
        let done = DispatchSemaphore(value: 0)
        _ = client.startCall(method: TestMethod.slow, payload: [20], options: CallOptions(), onMessage: { _ in }) { _ in done.signal() }
        for _ in 0..<2000 where server.server.stats.callsInFlight < 1 { usleep(1000) }
        #expect(server.shutdown(timeout: .milliseconds(20), within: .seconds(10)), "the shutdown never completed")
        done.wait()
        // The loops are stopped now; the late answer arrives ~200 ms after the call.
        usleep(400_000)
        #expect(server.server.stats.connectionsOpen == 0)
        client.close()
    }

    @Test("every CallSink method completes on the caller's thread once the loops have stopped")
    func callSinkAfterLoopsStopped() async throws {
        let server = try TestServer()
        let client = try server.client()
        _ = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { _ in }
        server.recorder.waitForNever(count: 1)
        let responder = try #require(server.recorder.neverResponders.withLock { $0.first })
        await server.shutdown(timeout: .milliseconds(20))

        responder.succeed([1])  // dropped
        #expect(!responder.send([1]))
        let terminated = Mutex<StatusCode?>(nil)
        responder.onTermination { code in terminated.withLock { $0 = code } }
        #expect(terminated.withLock { $0 } == .cancelled)
        let writable = Atomic<Bool>(false)
        responder.onWritable { writable.store(true, ordering: .relaxed) }
        let ranWritable = writable.load(ordering: .relaxed)
        #expect(ranWritable)
        client.close()
    }

    @Test("a client whose shared loop was stopped fails calls and pings, and close() ends its open calls")
    func clientOnStoppedSharedLoop() throws {
        let server = try TestServer()
        let loop = try EventLoop(name: "shared-client-loop")
        let client = try server.client(loop: loop)
        let finished = Mutex<CallResult?>(nil)
        let handle = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(timeout: .seconds(30)), onMessage: { _ in }) { r in
            finished.withLock { $0 = r }
        }
        server.recorder.waitForNever(count: 1)
        loop.stop()

        #expect(client.call(TestMethod.echo, [1]).code == .unavailable)
        #expect(throws: RPCError.self) { try client.pingBlocking(timeout: .seconds(1)) }
        handle.cancel()
        let accepted = loop.submit {}
        #expect(!accepted)
        #expect(finished.withLock { $0 } == nil)
        client.close()
        #expect(finished.withLock { $0 }?.code == .unavailable)
        #expect(!client.isOpen)
        server.server.shutdownGracefully(timeout: .seconds(1)) {}
    }

    @Test("the wake eventfd is never written after the loop closed it (its number may be reused)")
    func wakeDescriptorNotWrittenAfterClose() throws {
        for _ in 0..<50 {
            let loop = try EventLoop(name: "wake-race")
            let stopPosting = Atomic<Bool>(false)
            let posters = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: posters) {
                    while !stopPosting.load(ordering: .relaxed) { _ = loop.submit {} }
                }
            }
            usleep(200)
            loop.stop()
            // Take the lowest free descriptors (wakeFD's among them) while the
            // posters still run: nothing may land in them.
            var pairs: [[Int32]] = []
            for _ in 0..<4 {
                var fds: [Int32] = [0, 0]
                #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0)
                pairs.append(fds)
            }
            usleep(500)
            stopPosting.store(true, ordering: .relaxed)
            posters.wait()
            for fds in pairs {
                for fd in fds {
                    var pending: Int32 = 0
                    _ = ioctl(fd, UInt(FIONREAD), &pending)
                    #expect(pending == 0, "\(pending) bytes written to reused descriptor \(fd)")
                    close(fd)
                }
            }
        }
    }

    @Test("pingBlocking on the connection's own loop stops with a clear precondition instead of deadlocking")
    func pingBlockingOnOwnLoop() async {
        await #expect(processExitsWith: .failure) {
            let server = try TestServer()
            let client = try server.client()
            client.connection.loop.execute { _ = client.connection.pingBlocking(timeout: .seconds(5)) }
            sleep(10)
        }
    }

    @Test("connect on the shared loop's own thread stops with a clear precondition instead of deadlocking")
    func connectOnOwnLoop() async {
        await #expect(processExitsWith: .failure) {
            let server = try TestServer()
            let loop = try EventLoop(name: "connect-on-loop")
            let tls = try server.clientTLS(TestServer.certs.bank)
            loop.execute {
                _ = try? ClientConnection.connect(.init(host: "127.0.0.1", port: server.port, tls: tls, eventLoop: loop))
            }
            sleep(10)
        }
    }
}
