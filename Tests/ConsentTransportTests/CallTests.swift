import Foundation
import Synchronization
import Testing
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

@Suite("Calls over a real server")
struct CallTests {
    @Test("a typed unary call, async and blocking")
    func typedUnary() async throws {
        let server = try TestServer()
        let client = try server.client()
        let answer = try await client.unary(Consent_V1_Health.check, Consent_V1_HealthCheckRequest())
        #expect(answer.status == .serving)
        let blocking = try client.unaryBlocking(Consent_V1_Health.check, Consent_V1_HealthCheckRequest())
        #expect(blocking.status == .serving)
        await #expect(throws: RPCError.self) { try await client.unary(Consent_V1_Health.stats, Consent_V1_HealthStatsRequest()) }
        client.close()
        await server.shutdown()
    }

    @Test("1,000 calls in flight on one connection are all answered with their own payload")
    func thousandInFlight() async throws {
        let server = try TestServer(loops: 2)
        let client = try server.client()
        let n = 1000
        let results = Mutex<[UInt32: CallResult]>([:])
        let done = DispatchSemaphore(value: 0)
        for i in 0..<UInt32(n) {
            // Half of them answer from another thread, later.
            let method = i % 2 == 0 ? TestMethod.echo : TestMethod.slow
            var payload = [UInt8(1)]
            withUnsafeBytes(of: i.bigEndian) { payload.append(contentsOf: $0) }
            _ = client.startCall(method: method, payload: payload, options: CallOptions(), onMessage: { _ in }) { result in
                let count = results.withLock { $0[i] = result; return $0.count }
                if count == n { done.signal() }
            }
        }
        done.wait()
        let all = results.withLock { $0 }
        #expect(all.count == n)
        for (i, result) in all {
            var expected = [UInt8(1)]
            withUnsafeBytes(of: i.bigEndian) { expected.append(contentsOf: $0) }
            #expect(result.code == .ok && result.payload == expected)
        }
        #expect(server.server.stats.callsCompleted == n)
        client.close()
        await server.shutdown()
    }

    @Test("100 connections at once")
    func hundredConnections() async throws {
        let server = try TestServer(loops: 2)
        let group = try EventLoopGroup(threads: 2, name: "test-clients")
        let clients = Mutex<[ConsentClient]>([])
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            do {
                let client = try server.client(loop: group.next())
                clients.withLock { $0.append(client) }
            } catch {
                failures.add(1, ordering: .relaxed)
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        let all = clients.withLock { $0 }
        #expect(all.count == 100)
        #expect(server.server.stats.connectionsOpen == 100)
        let ok = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: all.count) { i in
            if all[i].call(TestMethod.echo, [UInt8(i)]).payload == [UInt8(i)] { ok.add(1, ordering: .relaxed) }
        }
        #expect(ok.load(ordering: .relaxed) == 100)
        for client in all { client.close() }
        await server.shutdown()
        group.shutdown()
    }

    @Test("the server ends a call at its deadline with DEADLINE_EXCEEDED and runs its termination handler")
    func serverDeadline() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        raw.send(requestFrame(callID: 7, method: TestMethod.never, deadlineMs: 50))
        let frames = raw.readFrames(1)
        guard case .response(let response)? = frames.first?.kind else {
            Issue.record("no response: \(frames)")
            return
        }
        #expect(frames.first?.callId == 7)
        #expect(response.statusCode == StatusCode.deadlineExceeded.rawValue)
        #expect(response.statusMessage == "deadline of 50 ms exceeded")
        #expect(reason(response) == "deadline_exceeded")
        #expect(server.recorder.waitForTerminations(count: 1) == [.deadlineExceeded])
        // A late answer from the handler is dropped.
        server.recorder.neverResponders.withLock { $0 }.first?.succeed([1])
        raw.send(Consent_V1_Frame(callId: 0, kind: .ping(Consent_V1_Ping(data: 5))))
        guard case .pong(let pong)? = raw.readFrames(1).first?.kind else {
            Issue.record("expected only a Pong after the late answer")
            return
        }
        #expect(pong.data == 5)
        await server.shutdown()
    }

    @Test("the client times out a call the server never answers")
    func clientDeadline() async throws {
        let server = try TestServer()
        let client = try server.client()
        let result = client.call(TestMethod.never, timeout: .milliseconds(100))
        #expect(result.code == .deadlineExceeded)
        #expect(client.call(TestMethod.echo, [3]).payload == [3])
        client.close()
        await server.shutdown()
    }

    @Test("Cancel ends the call with CANCELLED at once, runs the termination handler and ignores a later finish")
    func cancel() async throws {
        let server = try TestServer()
        let client = try server.client()
        let finished = Mutex<CallResult?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        let handle = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }) { result in
            finished.withLock { $0 = result }
            semaphore.signal()
        }
        server.recorder.waitForNever(count: 1)
        handle.cancel()
        semaphore.wait()
        #expect(finished.withLock { $0 }?.code == .cancelled)
        #expect(server.recorder.waitForTerminations(count: 1) == [.cancelled])
        // (The client ends the call itself at once: its own result has no reason.)
        server.recorder.neverResponders.withLock { $0 }.first?.succeed([9])
        #expect(client.call(TestMethod.echo, [4]).payload == [4])
        // Through the raw protocol: the server answers the Cancel itself.
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        raw.send(requestFrame(callID: 11, method: TestMethod.never))
        server.recorder.waitForNever(count: 2)
        raw.send(Consent_V1_Frame(callId: 11, kind: .cancel(Consent_V1_Cancel())))
        let frames = raw.readFrames(1)
        if case .response(let response)? = frames.first?.kind {
            #expect(response.statusCode == StatusCode.cancelled.rawValue)
            #expect(reason(response) == "cancelled_by_client")
        } else {
            Issue.record("no CANCELLED response")
        }
        client.close()
        await server.shutdown()
    }

    @Test("metadata keys reach the handler in lower case, whatever case the client sent; values as sent")
    func metadataKeysAreCaseInsensitive() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        let entries = [("X-Consent-User-Id", "Value ONE"), ("x-consent-user-id", "two"), ("X-CONSENT-ASSURANCE-LEVEL", "4")]
        raw.send(Consent_V1_Frame(callId: 5, kind: .request(Consent_V1_Request(
            method: TestMethod.metadata, metadata: entries.map { Consent_V1_MetadataEntry(key: $0.0, value: $0.1) }))))
        guard case .response(let response)? = raw.readFrames(1).first?.kind else {
            Issue.record("no response")
            return
        }
        #expect(String(decoding: response.payload, as: UTF8.self)
            == "x-consent-user-id=Value ONE\nx-consent-user-id=two\nx-consent-assurance-level=4",
            "so a key repeated in another case counts as repeated (metadata_repeated)")
        await server.shutdown()
    }

    @Test("ping measures a round trip")
    func ping() async throws {
        let server = try TestServer()
        let client = try server.client()
        let rtt = try client.pingBlocking()
        #expect(rtt > .zero)
        let asyncRTT = try await client.ping()
        #expect(asyncRTT > .zero)
        client.close()
        await server.shutdown()
    }

    @Test("a handler finishing twice sends one Response")
    func finishTwice() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        raw.send(requestFrame(callID: 3, method: TestMethod.twice))
        raw.send(Consent_V1_Frame(callId: 0, kind: .ping(Consent_V1_Ping(data: 1))))
        let frames = raw.readFrames(2)
        guard frames.count == 2, case .response(let r)? = frames[0].kind, case .pong? = frames[1].kind else {
            Issue.record("expected Response then Pong: \(frames)")
            return
        }
        #expect(r.payload == [1])
        await server.shutdown()
    }

    @Test("more calls than the limit: the extra one is RESOURCE_EXHAUSTED and the connection stays")
    func tooManyCalls() async throws {
        let server = try TestServer { $0.maxConcurrentCallsPerConnection = 4 }
        let client = try server.client()
        let answered = DispatchSemaphore(value: 0)
        for _ in 0..<4 {
            _ = client.startCall(method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }, onFinish: { _ in answered.signal() })
        }
        server.recorder.waitForNever(count: 4)
        let result = client.call(TestMethod.echo, [1])
        #expect(result.code == .resourceExhausted)
        #expect(result.message == "too many concurrent calls on this connection (limit 4)")
        for responder in server.recorder.neverResponders.withLock({ $0 }) { responder.succeed([]) }
        for _ in 0..<4 { answered.wait() }
        #expect(client.call(TestMethod.echo, [2]).payload == [2])
        client.close()
        await server.shutdown()
    }

    @Test("a response over the frame limit becomes RESOURCE_EXHAUSTED")
    func responseTooBig() async throws {
        let server = try TestServer()
        let client = try server.client()
        let result = client.call(TestMethod.big)
        #expect(result.code == .resourceExhausted)
        #expect(result.message.hasPrefix("response of ") && result.message.hasSuffix(" bytes exceeds the frame limit"))
        client.close()
        await server.shutdown()
    }

    @Test("streaming with backpressure delivers every message in order, then OK")
    func streaming() async throws {
        let server = try TestServer {
            $0.outputHighWaterMark = 32 * 1024
            $0.outputLowWaterMark = 8 * 1024
        }
        let client = try server.client()
        let total: UInt32 = 3000
        let received = Mutex<[UInt32]>([])
        let finished = Mutex<CallResult?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        _ = client.startCall(
            method: TestMethod.stream, payload: withUnsafeBytes(of: total.bigEndian) { Array($0) }, options: CallOptions(),
            onMessage: { message in
                let index = message.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) }
                received.withLock { $0.append(index) }
            },
            onFinish: { result in
                finished.withLock { $0 = result }
                semaphore.signal()
            })
        semaphore.wait()
        #expect(finished.withLock { $0 }?.code == .ok)
        #expect(received.withLock { $0 } == Array(0..<total))
        // Typed, through the AsyncThrowingStream API.
        var statuses: [Consent_V1_HealthCheckResponse.ServingStatus] = []
        for try await message in client.serverStream(TestMethod.healthStream, Consent_V1_HealthCheckRequest(service: "abcde")) {
            statuses.append(message.status)
        }
        #expect(statuses == [.serving, .notServing, .serving, .notServing, .serving])
        client.close()
        await server.shutdown()
    }

    @Test("an idle connection gets GoAway IDLE_TIMEOUT")
    func idleTimeout() async throws {
        let server = try TestServer { $0.idleTimeout = .milliseconds(150) }
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        let (frames, closed) = raw.readUntilClosed()
        #expect(goAwayCode(frames) == .idleTimeout)
        #expect(closed)
        await server.shutdown()
    }

    @Test("server stats count connections and calls")
    func stats() async throws {
        let server = try TestServer(loops: 2)
        let client = try server.client()
        for i in 0..<10 { _ = client.call(TestMethod.echo, [UInt8(i)]) }
        let stats = server.server.stats
        #expect(stats.connectionsAccepted == 1)
        #expect(stats.connectionsOpen == 1)
        #expect(stats.callsCompleted == 10)
        #expect(stats.callsInFlight == 0)
        #expect(stats.bytesRead > 0 && stats.bytesWritten > 0)
        client.close()
        await server.shutdown()
    }
}

@Suite("Backpressure")
struct BackpressureTests {
    @Test("a client that does not read stops being read; others are served; reading it resumes the work")
    func slowReader() async throws {
        let server = try TestServer {
            $0.outputHighWaterMark = 16 * 1024
            $0.outputLowWaterMark = 4 * 1024
        }
        let bystander = try server.client()
        let context = try server.clientTLS(TestServer.certs.bank)
        let raw = try RawTLSClient(port: server.port, context: context, receiveBuffer: 16 * 1024)
        let n = 200
        let payload = [UInt8](repeating: 0x33, count: 8 * 1024)
        var requests: [UInt8] = []
        for i in 1...n { requests += FrameEncoder.encode(requestFrame(callID: UInt32(i), method: TestMethod.echo, payload: payload)) }
        raw.write(requests)  // 1.6 MB: the kernel buffers take it while the server pauses
        // The server soon stops reading the silent client...
        for _ in 0..<2000 where server.server.stats.readPauses == 0 { usleep(1000) }
        #expect(server.server.stats.readPauses > 0)
        // ...while serving everyone else.
        #expect(bystander.call(TestMethod.echo, [7]).payload == [7])
        // Reading resumes it: every call is answered, in order of completion.
        let frames = raw.readFrames(n)
        #expect(frames.count == n)
        #expect(Set(frames.map(\.callId)) == Set(1...UInt32(n)))
        bystander.close()
        await server.shutdown()
    }
}
