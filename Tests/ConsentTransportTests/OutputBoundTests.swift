import Foundation
import Synchronization
import Testing
import ConsentClient
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// Review finding M3: output bounded only indirectly; `send` off the loop
/// answering true for an ended call; a late termination handler lost.
@Suite("Output limits and ended calls")
struct OutputBoundTests {
    @Test("a client that never reads cannot make the server hold more than the output limit")
    func nonReaderCannotGrowOutputPastLimit() async throws {
        let server = try TestServer {
            $0.maxFrameSize = 1 << 20
            $0.outputHighWaterMark = 256 << 10
            $0.outputLowWaterMark = 64 << 10
            $0.outputLimit = 2 << 20
        }
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank), receiveBuffer: 4096)
        // 16 calls dispatched while the output is empty (so reading never
        // pauses), then answered together from another thread with 512 KiB
        // each: 8 MiB for a client that reads nothing.
        for id in 1...16 { raw.send(requestFrame(callID: UInt32(id), method: TestMethod.never)) }
        server.recorder.waitForNever(count: 16)
        let answer = [UInt8](repeating: 1, count: 512 << 10)
        for responder in server.recorder.neverResponders.withLock({ $0 }) { responder.succeed(answer) }
        for _ in 0..<5000 where server.server.stats.connectionsOpen > 0 { usleep(1000) }
        #expect(server.server.stats.connectionsOpen == 0, "the connection still holds the answers it cannot write")
        #expect(server.server.stats.protocolErrors == 1)
        await server.shutdown()
    }

    @Test("send from another thread returns false once the call has ended")
    func sendOffLoopAfterEndReturnsFalse() async throws {
        let server = try TestServer()
        let client = try server.client()
        let handle = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { _ in }
        server.recorder.waitForNever(count: 1)
        let responder = try #require(server.recorder.neverResponders.withLock { $0.first })
        #expect(responder.send([1]))  // open: accepted
        handle.cancel()
        #expect(server.recorder.waitForTerminations(count: 1) == [.cancelled])
        #expect(!responder.send([2]))
        client.close()
        await server.shutdown()
    }

    @Test("a termination handler registered from another thread after the call's slot was reused still runs")
    func lateOnTerminationAfterSlotReuseRuns() async throws {
        let server = try TestServer()
        let client = try server.client()
        let first = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { _ in }
        server.recorder.waitForNever(count: 1)
        first.cancel()
        _ = server.recorder.waitForTerminations(count: 1)
        // The next call takes the freed slot; ending it overwrites what the
        // slot remembered about the first.
        let second = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { _ in }
        server.recorder.waitForNever(count: 2)
        second.cancel()
        _ = server.recorder.waitForTerminations(count: 2)
        let responders = server.recorder.neverResponders.withLock { $0 }
        #expect(responders[0].token.sequence & CallTable.slotMask == responders[1].token.sequence & CallTable.slotMask)

        let told = DispatchSemaphore(value: 0)
        let code = Mutex<StatusCode?>(nil)
        responders[0].onTermination { c in
            code.withLock { $0 = c }
            told.signal()
        }
        #expect(told.wait(timeout: .now() + 5) == .success, "the late termination handler never ran")
        #expect(code.withLock { $0 } == .cancelled)
        client.close()
        await server.shutdown()
    }

    @Test("a termination handler registered after the call's own answer does not run")
    func lateOnTerminationAfterFinishDoesNotRun() async throws {
        let server = try TestServer()
        let client = try server.client()
        let done = DispatchSemaphore(value: 0)
        _ = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { _ in done.signal() }
        server.recorder.waitForNever(count: 1)
        let responder = try #require(server.recorder.neverResponders.withLock { $0.first })
        responder.succeed([1])
        done.wait()
        let ran = Atomic<Bool>(false)
        responder.onTermination { _ in ran.store(true, ordering: .relaxed) }
        // A round trip that uses no call slot: the server handles the posted
        // registration at the latest in the turn that answers the Ping. (A call
        // would reuse the slot; after that the loop cannot tell how the old
        // call ended, and a late handler is told CANCELLED.)
        _ = try client.pingBlocking()
        let didRun = ran.load(ordering: .relaxed)
        #expect(!didRun)
        client.close()
        await server.shutdown()
    }
}

/// Review finding L2: client deadlocks and leaks.
@Suite("Client connection edge cases")
struct ClientEdgeCaseTests {
    @Test("a pingBlocking that times out forgets its ping")
    func timedOutPingIsForgotten() async throws {
        let server = try TestServer(loops: 1)
        let client = try server.client()
        let serverLoop = server.server.shared.loopContexts[0].loop
        serverLoop.execute { usleep(600_000) }  // the server answers nothing meanwhile
        let result = client.connection.pingBlocking(timeout: .milliseconds(50))
        guard case .failure(let error) = result else {
            Issue.record("the ping did not time out: \(result)")
            return
        }
        #expect(error.code == .deadlineExceeded)
        let connection = client.connection
        var pending = 1
        for _ in 0..<100 where pending > 0 {
            pending = onLoop(connection.loop) { connection.pendingPingCount }
            if pending > 0 { usleep(1000) }
        }
        #expect(pending == 0)
        client.close()
        await server.shutdown()
    }

    @Test("a unary call whose task is cancelled before its handle is stored is still cancelled")
    func unaryCancelledBeforeHandleStored() async throws {
        let server = try TestServer()
        let client = try server.client()
        let never = ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthCheckResponse>(fullName: TestMethod.never, kind: .unary)
        let task = Task { () -> StatusCode? in
            withUnsafeCurrentTask { $0?.cancel() }  // cancelled before the call starts: onCancel finds no handle
            do {
                _ = try await client.unary(never, .init(), options: CallOptions(timeout: .seconds(20)))
                return .ok
            } catch {
                return (error as? RPCError)?.code
            }
        }
        let code = await task.value
        #expect(code == .cancelled)
        client.close()
        await server.shutdown()
    }
}
