import Foundation
import Synchronization
import Testing
import ConsentClient
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// A TCP connection that never starts TLS (closed by `close`).
func openTCP(port: Int) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return fd
}

/// The connection limits (docs/PROTOCOL.md §9): a connection over a limit
/// learns why, with RESOURCE_EXHAUSTED, a reason and a retry hint; clients
/// within the limits go on being served.
@Suite("Connection limits")
struct ConnectionLimitTests {
    static func expectRefused(_ result: CallResult, reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.code == .resourceExhausted, "\(result.code): \(result.message)", sourceLocation: sourceLocation)
        #expect(result.trailers[ErrorTrailers.reason] == reason, "\(result.trailers)", sourceLocation: sourceLocation)
        #expect(result.trailers[ErrorTrailers.retryAfterMilliseconds].flatMap(Int.init) == ConnectionLimits.retryAfterMilliseconds,
                sourceLocation: sourceLocation)
    }

    @Test("connections per source address: one more answers RESOURCE_EXHAUSTED connections_per_address and is closed")
    func perAddress() async throws {
        let server = try TestServer(loops: 2) { $0.maxConnectionsPerAddress = 2 }
        let first = try server.client()
        let second = try server.client(TestServer.certs.cnOnly)
        #expect(first.call(TestMethod.echo, [1]).payload == [1])
        #expect(second.call(TestMethod.echo, [2]).payload == [2])
        let third = try server.client()
        Self.expectRefused(third.call(TestMethod.echo, [3]), reason: "connections_per_address")
        #expect(third.call(TestMethod.echo, [3]).code == .unavailable, "the refused connection is closed after its answer")
        #expect(server.recorder.dispatched.load(ordering: .relaxed) == 2, "the refused call never reached the dispatcher")
        third.close()
        first.close()
        // A slot is free again.
        let fourth = try server.client()
        #expect(ConnectionMemoryTests.eventually { fourth.call(TestMethod.echo, [4]).payload == [4] })
        #expect(second.call(TestMethod.echo, [5]).payload == [5], "the connections within the limit were never disturbed")
        #expect(server.server.stats.connectionsRefused >= 1)
        fourth.close()
        second.close()
        await server.shutdown()
    }

    @Test("connections per principal: one more answers RESOURCE_EXHAUSTED connections_per_principal; other principals are served")
    func perPrincipal() async throws {
        let server = try TestServer(loops: 2) { $0.maxConnectionsPerPrincipal = 2 }
        let banks = try (0..<2).map { _ in try server.client() }
        for bank in banks { #expect(bank.call(TestMethod.echo, [1]).payload == [1]) }
        let extra = try server.client()
        Self.expectRefused(extra.call(TestMethod.echo, [2]), reason: "connections_per_principal")
        let other = try server.client(TestServer.certs.cnOnly)
        #expect(other.call(TestMethod.echo, [3]).payload == [3])
        extra.close()
        other.close()
        for bank in banks { bank.close() }
        await server.shutdown()
    }

    @Test("pending handshakes are capped: sockets that never start TLS cannot take the server's descriptors from established clients")
    func pendingHandshakes() async throws {
        let server = try TestServer(loops: 2) {
            $0.maxPendingHandshakes = 4
            $0.maxPendingHandshakesPerAddress = 4
        }
        let established = try server.client()
        let idle = (0..<4).map { _ in openTCP(port: server.port) }
        #expect(ConnectionMemoryTests.eventually { server.server.stats.handshakesPending == 4 })
        // The next socket is closed at accept, before any TLS.
        #expect(throws: (any Error).self) { _ = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank)) }
        #expect(server.server.stats.connectionsRefused >= 1)
        #expect(established.call(TestMethod.echo, [7]).payload == [7], "an established client is still served")
        for fd in idle { close(fd) }
        #expect(ConnectionMemoryTests.eventually { server.server.stats.handshakesPending == 0 })
        let late = try server.client()
        #expect(late.call(TestMethod.echo, [8]).payload == [8])
        late.close()
        established.close()
        await server.shutdown()
    }

    @Test("at max-connections new clients wait in the backlog instead of being refused")
    func totalConnectionsWait() async throws {
        let server = try TestServer(loops: 1) { $0.maxConnections = 2 }
        let first = try server.client()
        let second = try server.client()
        #expect(first.call(TestMethod.echo, [1]).payload == [1])
        let third = LockedBox<CallResult>()
        let done = onNewThread {
            guard let client = try? server.client() else { return }
            third.value = client.call(TestMethod.echo, [3])
            client.close()
        }
        #expect(ConnectionMemoryTests.eventually { server.server.stats.acceptPauses > 0 })
        #expect(third.value == nil, "the third client waits while both slots are taken")
        first.close()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(third.value?.payload == [3])
        second.close()
        await server.shutdown()
    }

    @Test("handshakes per second: connections beyond the rate wait their turn, none is refused")
    func handshakeRate() async throws {
        let server = try TestServer(loops: 1) { $0.handshakesPerSecond = 5 }
        var clients: [ConsentClient] = []
        for i in 0..<12 {
            let client = try server.client()
            #expect(client.call(TestMethod.echo, [UInt8(i)]).payload == [UInt8(i)])
            clients.append(client)
        }
        #expect(server.server.stats.acceptPauses > 0, "the listener waited for the handshake budget")
        #expect(server.server.stats.connectionsRefused == 0)
        for client in clients { client.close() }
        await server.shutdown()
    }

    /// Starts `count` echo calls at once and waits for their results.
    static func burst(_ client: ConsentClient, _ count: Int) -> [CallResult] {
        let results = Mutex<[CallResult]>([])
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            _ = client.startCall(method: TestMethod.echo, payload: [UInt8(i & 0xFF)], options: CallOptions(), onMessage: { _ in }) { result in
                results.withLock { $0.append(result) }
                group.leave()
            }
        }
        group.wait()
        return results.withLock { $0 }
    }

    @Test("calls per second per principal: beyond the rate RESOURCE_EXHAUSTED call_rate with the wait; other principals are not slowed")
    func callRate() async throws {
        let server = try TestServer(loops: 2) { $0.maxCallsPerSecondPerPrincipal = 5 }
        let bank = try server.client()
        let bank2 = try server.client()
        let results = Self.burst(bank, 20) + Self.burst(bank2, 20)
        let refused = results.filter { $0.code == .resourceExhausted }
        // 5 calls at once, then 5 a second, shared by both connections: 40
        // calls leave at least 10 refused unless they took over 5 s.
        #expect(results.filter { $0.code == .ok }.count >= 5)
        #expect(refused.count >= 10)
        #expect(refused.count + results.filter { $0.code == .ok }.count == 40)
        for result in refused.prefix(3) {
            #expect(result.trailers[ErrorTrailers.reason] == "call_rate")
            let retry = result.trailers[ErrorTrailers.retryAfterMilliseconds].flatMap(Int.init)
            #expect(retry != nil && (1...1000).contains(retry!), "\(result.trailers)")
        }
        // Another principal has a budget of its own.
        let other = try server.client(TestServer.certs.cnOnly)
        #expect(Self.burst(other, 5).allSatisfy { $0.code == .ok })
        // The connection stays; after the wait the bank is served again.
        #expect(ConnectionMemoryTests.eventually { bank.call(TestMethod.echo, [9]).payload == [9] })
        #expect(server.server.stats.callsRefused >= refused.count)
        bank.close()
        bank2.close()
        other.close()
        await server.shutdown()
    }

    @Test("concurrent calls per principal, over all its connections: RESOURCE_EXHAUSTED concurrent_calls until one ends")
    func concurrentCalls() async throws {
        let server = try TestServer(loops: 2) { $0.maxConcurrentCallsPerPrincipal = 3 }
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        for id in 1...3 { raw.send(requestFrame(callID: UInt32(id), method: TestMethod.never)) }
        server.recorder.waitForNever(count: 3)
        let bank = try server.client()
        let refused = bank.call(TestMethod.echo, [1])
        #expect(refused.code == .resourceExhausted)
        #expect(refused.trailers[ErrorTrailers.reason] == "concurrent_calls")
        #expect(refused.trailers[ErrorTrailers.retryAfterMilliseconds] != nil)
        let other = try server.client(TestServer.certs.cnOnly)
        #expect(other.call(TestMethod.echo, [2]).payload == [2], "another principal is not counted")
        // One call ends (the client cancels it): there is room again.
        raw.send(Consent_V1_Frame(callId: 1, kind: .cancel(Consent_V1_Cancel())))
        #expect(ConnectionMemoryTests.eventually { bank.call(TestMethod.echo, [3]).payload == [3] })
        // Calls ended by a closing connection give their slots back too.
        raw.send(Consent_V1_Frame(callId: 0, kind: .goAway(Consent_V1_GoAway(code: .noError, reason: "bye"))))
        _ = raw.readUntilClosed()
        #expect(Self.burst(bank, 3).allSatisfy { $0.code == .ok })
        bank.close()
        other.close()
        await server.shutdown()
    }

    @Test("calls refused for other reasons (metadata, a full connection) do not use up the principal's open calls")
    func refusedCallsDoNotCount() async throws {
        let server = try TestServer(loops: 1) { $0.maxConcurrentCallsPerPrincipal = 2 }
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        for id in 1...5 {
            var request = Consent_V1_Request(method: TestMethod.never)
            request.metadata = (0..<(FrameLimits.maxMetadataEntries + 1)).map { Consent_V1_MetadataEntry(key: "k\($0)", value: "v") }
            raw.send(Consent_V1_Frame(callId: UInt32(id), kind: .request(request)))
        }
        let refusals = raw.readFrames(5)
        #expect(refusals.count == 5)
        for frame in refusals {
            guard case .response(let response)? = frame.kind else { continue }
            #expect(response.trailers.contains { $0.key == ErrorTrailers.reason && $0.value == "metadata_too_large" })
        }
        for id in 11...12 { raw.send(requestFrame(callID: UInt32(id), method: TestMethod.never)) }
        server.recorder.waitForNever(count: 2)
        #expect(server.recorder.neverResponders.withLock { $0.count } == 2, "both calls were let in")
        raw.send(requestFrame(callID: 13, method: TestMethod.never))
        guard case .response(let third)? = raw.readFrames(1).first?.kind else {
            Issue.record("no answer to the third call")
            return
        }
        #expect(third.trailers.contains { $0.key == ErrorTrailers.reason && $0.value == "concurrent_calls" })
        await server.shutdown()
    }
}
