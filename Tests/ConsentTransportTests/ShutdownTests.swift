import Foundation
import Synchronization
import Testing
import ConsentClient
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test("calls in flight complete, new calls after the GoAway get UNAVAILABLE, then the completion runs")
    func graceful() async throws {
        let server = try TestServer(loops: 2)
        let client = try server.client()
        let results = Mutex<[CallResult]>([])
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<5 {
            // Answered from another thread after 300 ms.
            _ = client.startCall(method: TestMethod.slow, payload: [30], options: CallOptions(), onMessage: { _ in }) { result in
                results.withLock { $0.append(result) }
                done.signal()
            }
        }
        // Wait until the server has all five.
        for _ in 0..<2000 where server.server.stats.callsInFlight < 5 { usleep(1000) }
        #expect(server.server.stats.callsInFlight == 5)
        let completed = Atomic<Bool>(false)
        let shutdownDone = DispatchSemaphore(value: 0)
        server.server.shutdownGracefully(timeout: .seconds(20)) {
            completed.store(true, ordering: .releasing)
            shutdownDone.signal()
        }
        // New calls: UNAVAILABLE, whether the client has seen the GoAway yet
        // (fails locally) or not (the server answers "server is shutting down").
        var sawUnavailable = false
        for _ in 0..<200 {
            let r = client.call(TestMethod.echo, [1])
            if r.code == .unavailable {
                sawUnavailable = true
                break
            }
            usleep(2000)
        }
        #expect(sawUnavailable)
        for _ in 0..<5 { done.wait() }
        #expect(results.withLock { $0 }.allSatisfy { $0.code == .ok && $0.payload == [30] })
        shutdownDone.wait()
        let didComplete = completed.load(ordering: .acquiring)
        #expect(didComplete)
        #expect(server.server.stats.connectionsOpen == 0)
        client.close()
    }

    @Test("calls still open at the shutdown timeout are cancelled")
    func timeout() async throws {
        let server = try TestServer()
        let client = try server.client()
        let result = Mutex<CallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        _ = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        server.recorder.waitForNever(count: 1)
        await server.shutdown(timeout: .milliseconds(100))
        done.wait()
        #expect(result.withLock { $0 }?.code == .cancelled)
        #expect(result.withLock { $0 }?.trailers[ErrorTrailers.reason] == "shutdown_timeout")
        #expect(server.recorder.waitForTerminations(count: 1) == [.cancelled])
        client.close()
    }

    @Test("requests after the GoAway are answered UNAVAILABLE by the server")
    func refusedAfterGoAway() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        raw.send(requestFrame(callID: 1, method: TestMethod.never))
        server.recorder.waitForNever(count: 1)
        let done = DispatchSemaphore(value: 0)
        server.server.shutdownGracefully(timeout: .seconds(10)) { done.signal() }
        let first = raw.readFrames(1)
        #expect(goAwayCode(first) == .noError)
        raw.send(requestFrame(callID: 2, method: TestMethod.echo))
        let second = raw.readFrames(1)
        if case .response(let r)? = second.first?.kind {
            #expect(second.first?.callId == 2)
            #expect(r.statusCode == StatusCode.unavailable.rawValue)
            #expect(r.statusMessage == "server is shutting down")
            #expect(reason(r) == "server_shutting_down")
        } else {
            Issue.record("no UNAVAILABLE response: \(second)")
        }
        server.recorder.neverResponders.withLock { $0 }.first?.succeed([5])
        let (rest, closed) = raw.readUntilClosed()
        if case .response(let r)? = rest.first?.kind {
            #expect(r.payload == [5])
        } else {
            Issue.record("the in-flight call was not completed: \(rest)")
        }
        #expect(closed)
        done.wait()
    }

    @Test("a client sees GoAway NO_ERROR: open calls complete, new calls fail UNAVAILABLE locally")
    func clientDraining() async throws {
        let server = try TestServer()
        let client = try server.client()
        let result = Mutex<CallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        _ = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        server.recorder.waitForNever(count: 1)
        let stopped = DispatchSemaphore(value: 0)
        server.server.shutdownGracefully(timeout: .seconds(10)) { stopped.signal() }
        var local: CallResult? = nil
        for _ in 0..<500 {
            let r = client.call(TestMethod.echo, [1])
            if r.code == .unavailable && r.message.hasPrefix("the server is going away") {
                local = r
                break
            }
            usleep(1000)
        }
        #expect(local != nil)
        server.recorder.neverResponders.withLock { $0 }.first?.succeed([6])
        done.wait()
        #expect(result.withLock { $0 }?.payload == [6])
        stopped.wait()
        client.close()
    }

    @Test("a dropped connection ends open calls UNAVAILABLE")
    func dropped() async throws {
        let server = try TestServer()
        let client = try server.client()
        let result = Mutex<CallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        _ = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        server.recorder.waitForNever(count: 1)
        await server.shutdown(timeout: .zero)
        done.wait()
        let code = result.withLock { $0 }?.code
        #expect(code == .cancelled || code == .unavailable)
        #expect(client.call(TestMethod.echo).code == .unavailable)
        client.close()
    }
}
