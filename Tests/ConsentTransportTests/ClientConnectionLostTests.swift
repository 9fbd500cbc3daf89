import Foundation
import Synchronization
import Testing
import ConsentOpenSSL
import ConsentRPC
@testable import ConsentTransport

/// A client connection that dies with calls open ends each call exactly once,
/// even when a call's completion handler (run on the loop) acts on another
/// open call of the same connection, as a caller that gives up on sibling
/// calls once one fails does.
@Suite("Client connection lost with calls open")
struct ClientConnectionLostTests {
    @Test("a completion that cancels a sibling call while the connection closes: each call ends once, the loop lives on")
    func completionCancellingSiblingDuringClose() throws {
        let server = try TestServer()
        let connection = try ClientConnection.connect(.init(
            host: "127.0.0.1", port: server.port, tls: try server.clientTLS(TestServer.certs.bank)))

        let handles = Mutex<[any ClientCallHandle]>([])
        let results = Mutex<[Int: [StatusCode]]>([:])
        let bothEnded = DispatchSemaphore(value: 0)
        for index in 0..<2 {
            let handle = connection.startCall(
                method: TestMethod.never, payload: [], options: CallOptions(), onMessage: { _ in }
            ) { result in
                let count = results.withLock { results -> Int in
                    results[index, default: []].append(result.code)
                    return results.values.reduce(0) { $0 + $1.count }
                }
                // Give up on the other call: runs on the connection's loop,
                // inside the close that is ending every open call.
                let other = handles.withLock { $0[1 - index] }
                other.cancel()
                if count == 2 { bothEnded.signal() }
            }
            handles.withLock { $0.append(handle) }
        }
        server.recorder.waitForNever(count: 2)

        // close() blocks until the loop has ended the calls; run it aside so
        // that a loop stuck in the close fails this test instead of hanging it.
        let closed = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            connection.close()
            closed.signal()
        }
        let finished = closed.wait(timeout: .now() + .seconds(60)) == .success
        #expect(finished, "close() never returned: the connection's loop is stuck ending the calls")
        guard finished else { return }
        #expect(bothEnded.wait(timeout: .now() + .seconds(60)) == .success)
        let ended = results.withLock { $0 }
        #expect(ended[0]?.count == 1)
        #expect(ended[1]?.count == 1)
    }

    /// Each call of `pair` waits; when the transport ends one (its
    /// onTermination, run on the loop), it answers the other of the pair,
    /// as a handler that ties two calls together would.
    final class Responders: Sendable {
        let list = Mutex<[CallResponder]>([])
    }

    struct PairingDispatcher: CallDispatcher {
        let responders = Responders()
        func dispatch(_ call: IncomingCall, responder: CallResponder) {
            let index = responders.list.withLock { responders -> Int in
                responders.append(responder)
                return responders.count - 1
            }
            responder.onTermination { [responders] _ in
                let others = responders.list.withLock { $0 }
                if others.count == 2 { others[1 - index].succeed([1]) }
            }
        }
    }

    @Test("the server: a call's termination handler that answers another open call while the peer is gone; the loop lives on")
    func terminationHandlerAnsweringSiblingWhenPeerGone() throws {
        let certs = TestServer.certs
        let tls = try TLSContext(
            configuration: .server(
                certificateChainFile: certs.server.certificate, privateKeyFile: certs.server.key, clientCAFile: certs.caFile))
        var configuration = TransportServer.Configuration(host: "127.0.0.1", port: 0, tls: tls, eventLoopCount: 1)
        configuration.lingerTimeout = .milliseconds(200)
        let dispatcher = PairingDispatcher()
        let server = try TransportServer(configuration: configuration, dispatcher: dispatcher)
        let port = try server.start().port
        defer {
            dispatcher.responders.list.withLock { $0 = [] }
            server.shutdownGracefully(timeout: .milliseconds(200)) {}
        }
        @Sendable func clientTLS() throws -> TLSContext {
            try TLSContext(configuration: TLSConfiguration(
                role: .client, certificateChainFile: certs.bank.certificate, privateKeyFile: certs.bank.key,
                trustRootsFile: certs.caFile, applicationProtocols: ["consent-rpc/1"]))
        }
        let first = try ClientConnection.connect(.init(host: "127.0.0.1", port: port, tls: try clientTLS()))
        for _ in 0..<2 {
            _ = first.startCall(method: "/test.Pair/Wait", payload: [], options: CallOptions(), onMessage: { _ in }) { _ in }
        }
        for _ in 0..<2000 where dispatcher.responders.list.withLock({ $0.count }) < 2 { usleep(1000) }
        #expect(dispatcher.responders.list.withLock { $0.count } == 2)
        first.close()  // the server's side: the peer is gone with both calls open

        // The server's one loop must still answer a new connection.
        let answered = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if let second = try? ClientConnection.connect(.init(host: "127.0.0.1", port: port, tls: try! clientTLS(), connectTimeout: .seconds(50))) {
                second.close()
                answered.signal()
            }
        }
        #expect(answered.wait(timeout: .now() + .seconds(60)) == .success, "the server's loop is stuck ending the closed connection's calls")
    }
}
