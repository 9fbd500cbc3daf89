import Foundation
import Synchronization
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// Methods of the test dispatcher; payloads are raw bytes (the transport does not care).
enum TestMethod {
    static let echo = "/test.Echo/Unary"
    /// Answers from another thread after `payload[0] * 10` ms.
    static let slow = "/test.Echo/Slow"
    /// Streams `UInt32(payload)` messages of 1 KiB (each starting with its index), honouring backpressure.
    static let stream = "/test.Echo/Stream"
    /// Never answers; records how the transport ended it.
    static let never = "/test.Echo/Never"
    /// Answers with a payload one byte over 4 MiB.
    static let big = "/test.Echo/Big"
    /// Answers with the caller's principal id.
    static let peer = "/test.Echo/Peer"
    /// Finishes twice: the second must be ignored.
    static let twice = "/test.Echo/Twice"
    /// Answers with the call's metadata as the dispatcher sees it, one `key=value` per line.
    static let metadata = "/test.Echo/Metadata"
    /// Streams `HealthCheckRequest.service.count` typed HealthCheckResponses, then OK.
    static let healthStream = ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthCheckResponse>(
        fullName: "/test.Echo/HealthStream", kind: .serverStreaming)
}

/// What the dispatcher saw, for assertions.
final class DispatchRecorder: Sendable {
    let terminations = Mutex<[UInt32: StatusCode]>([:])
    let neverResponders = Mutex<[CallResponder]>([])
    let dispatched = Atomic<Int>(0)

    func waitForNever(count: Int) {
        for _ in 0..<2000 {
            if neverResponders.withLock({ $0.count }) >= count { return }
            usleep(1000)
        }
    }

    func waitForTerminations(count: Int) -> [StatusCode] {
        for _ in 0..<2000 {
            let t = terminations.withLock { $0 }
            if t.count >= count { return Array(t.values) }
            usleep(1000)
        }
        return Array(terminations.withLock { $0 }.values)
    }
}

struct TestDispatcher: CallDispatcher {
    let recorder: DispatchRecorder
    /// Principals refused every call, as a server refuses unknown certificates.
    var unknownPrincipals: Set<String> = []

    func admission(of peer: PeerIdentity) -> CallResult? {
        unknownPrincipals.contains(peer.principalID) ? CallResult(code: .unauthenticated, message: "unknown principal \(peer.principalID)") : nil
    }

    var methodNames: [String] {
        [TestMethod.echo, TestMethod.slow, TestMethod.stream, TestMethod.never, TestMethod.big, TestMethod.peer, TestMethod.twice, TestMethod.metadata,
         TestMethod.healthStream.fullName, Consent_V1_Health.check.fullName]
    }

    func dispatch(_ call: IncomingCall, responder: CallResponder) {
        recorder.dispatched.add(1, ordering: .relaxed)
        switch call.method {
        case TestMethod.echo:
            responder.succeed(call.payload)
        case TestMethod.slow:
            let delay = Double(call.payload.first ?? 5) / 100
            let payload = call.payload
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { responder.succeed(payload) }
        case TestMethod.stream:
            let count = call.payload.withUnsafeBytes { $0.count >= 4 ? Int(UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self))) : 0 }
            StreamProducer(responder: responder, total: count).run()
        case TestMethod.never:
            let token = responder.token
            responder.onTermination { [recorder] code in recorder.terminations.withLock { $0[token.callID] = code } }
            recorder.neverResponders.withLock { $0.append(responder) }
        case TestMethod.big:
            responder.succeed([UInt8](repeating: 7, count: 4 * 1024 * 1024 + 1))
        case TestMethod.peer:
            responder.succeed(Array(call.peer.principalID.utf8))
        case TestMethod.metadata:
            responder.succeed(Array(call.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: "\n").utf8))
        case TestMethod.twice:
            responder.succeed([1])
            responder.succeed([2])
        case TestMethod.healthStream.fullName:
            let request = try? Consent_V1_HealthCheckRequest(serializedBytes: call.payload)
            for i in 0..<(request?.service.count ?? 0) {
                var message = Consent_V1_HealthCheckResponse()
                message.status = i % 2 == 0 ? .serving : .notServing
                responder.send(message.serializedBytes())
            }
            responder.succeed([])
        case Consent_V1_Health.check.fullName:
            var answer = Consent_V1_HealthCheckResponse()
            answer.status = .serving
            responder.succeed(answer.serializedBytes())
        default:
            responder.fail(RPCError(.unimplemented, "no method \(call.method)"))
        }
    }
}

/// Sends `total` 1 KiB messages, stopping whenever `send` reports backpressure
/// and resuming from `onWritable`.
final class StreamProducer: @unchecked Sendable {  // only touched on the connection's loop (dispatch and onWritable run there)
    let responder: CallResponder
    let total: Int
    var next = 0
    var stopped = false

    init(responder: CallResponder, total: Int) {
        self.responder = responder
        self.total = total
        responder.onTermination { [self] _ in self.stopped = true }
    }

    func run() {
        while next < total && !stopped {
            var message = [UInt8](repeating: 0xAB, count: 1024)
            withUnsafeBytes(of: UInt32(next).bigEndian) { message.replaceSubrange(0..<4, with: $0) }
            next += 1
            if !responder.send(message) {
                responder.onWritable { [self] in self.run() }
                return
            }
        }
        if next == total && !stopped {
            stopped = true
            responder.succeed([])
        }
    }
}

/// A real TransportServer on 127.0.0.1, port 0.
final class TestServer: Sendable {
    let server: TransportServer
    let port: Int
    let recorder = DispatchRecorder()
    static let certs = TestCertificates.shared

    /// - Parameter unknownPrincipals: principals the dispatcher refuses (UNAUTHENTICATED) before reading their calls.
    init(loops: Int = 1, unknownPrincipals: Set<String> = [], configure: (inout TransportServer.Configuration) -> Void = { _ in }) throws {
        let certs = Self.certs
        let tls = try TLSContext(
            configuration: .server(
                certificateChainFile: certs.server.certificate, privateKeyFile: certs.server.key, clientCAFile: certs.caFile))
        var configuration = TransportServer.Configuration(host: "127.0.0.1", port: 0, tls: tls, eventLoopCount: loops)
        // Raw test clients often stay open through shutdown: do not wait 2 s for their EOF.
        configuration.lingerTimeout = .milliseconds(200)
        configure(&configuration)
        server = try TransportServer(configuration: configuration, dispatcher: TestDispatcher(recorder: recorder, unknownPrincipals: unknownPrincipals))
        port = try server.start().port
    }

    func clientTLS(_ identity: TestCertificates.Identity?, alpn: [String] = ["consent-rpc/1"], ca: String? = nil) throws -> TLSContext {
        try TLSContext(
            configuration: TLSConfiguration(
                role: .client, certificateChainFile: identity?.certificate, privateKeyFile: identity?.key,
                trustRootsFile: ca ?? Self.certs.caFile, applicationProtocols: alpn))
    }

    func client(_ identity: TestCertificates.Identity? = TestServer.certs.bank, host: String = "127.0.0.1", loop: EventLoop? = nil) throws(RPCError) -> ConsentClient {
        let tls: TLSContext
        do {
            tls = try clientTLS(identity)
        } catch {
            throw RPCError(.invalidArgument, "\(error)")
        }
        return try ConsentClient(connection: .init(host: host, port: port, tls: tls, connectTimeout: .seconds(10), eventLoop: loop))
    }

    func shutdown(timeout: Duration = .seconds(5)) async {
        await server.shutdownGracefully(timeout: timeout)
    }

    /// A test that ends without shutting its server down gets it shut down
    /// here: a running server keeps itself alive by design, and would stay in
    /// memory (LeakSanitizer reports it under make test-sanitizers). The
    /// responders of `never` calls hold the server through their connection,
    /// and the server's dispatcher holds them: let them go too.
    deinit {
        let done = DispatchSemaphore(value: 0)
        server.shutdownGracefully(timeout: .milliseconds(200)) { done.signal() }
        done.wait()
        recorder.neverResponders.withLock { $0 = [] }
    }
}

/// Blocking helpers over the callback API.
extension ConsentClient {
    func call(_ method: String, _ payload: [UInt8] = [], timeout: Duration? = nil) -> CallResult {
        let box = Mutex<CallResult?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        _ = startCall(method: method, payload: payload, options: CallOptions(timeout: timeout), onMessage: { _ in }) { result in
            box.withLock { $0 = result }
            semaphore.signal()
        }
        semaphore.wait()
        return box.withLock { $0! }
    }
}

/// A TLS client that writes whatever bytes a test wants, over a blocking socket.
final class RawTLSClient {
    let fd: Int32
    let tls: TLSConnection

    /// - Throws: the handshake error as OpenSSLError, or a string error for sockets.
    init(port: Int, context: TLSContext, handshake: Bool = true, receiveBuffer: Int32? = nil) throws {
        // Close-on-exec: tests in the same process spawn consentd children; one
        // inheriting this socket would keep it open after our close, and the
        // server would never see the EOF a test waits for.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw RPCError(.unavailable, "connect failed")
        }
        // Bounded reads: a test never hangs on a server that stays silent.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        tls = try TLSConnection(context: context, fileDescriptor: fd, serverName: "127.0.0.1")
        if handshake {
            switch tls.handshake() {
            case .complete: break
            case .error(let error): throw error
            default: throw RPCError(.unavailable, "handshake did not complete")
            }
        }
    }

    deinit {
        close(fd)
    }

    func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes[offset...].withUnsafeBytes { tls.write($0) }
            guard case .bytes(let n) = result else { return }
            offset += n
        }
    }

    func send(_ frame: Consent_V1_Frame) {
        write(FrameEncoder.encode(frame))
    }

    /// Reads frames until the server closes (or 10 s pass).
    /// - Returns: the frames, and whether the connection was closed.
    func readUntilClosed() -> (frames: [Consent_V1_Frame], closed: Bool) {
        var decoder = FrameDecoder()
        var frames: [Consent_V1_Frame] = []
        while true {
            let result = tls.read(into: decoder.writableSpace(minimum: 4096))
            switch result {
            case .bytes(let n):
                decoder.didWrite(n)
                while let body = try? decoder.nextFrame() {
                    if let frame = try? Consent_V1_Frame(serializedBytes: body) { frames.append(frame) }
                }
            case .closed:
                return (frames, true)
            case .error:
                return (frames, true)
            case .wantRead, .wantWrite:
                return (frames, false)  // SO_RCVTIMEO passed
            }
        }
    }

    /// Reads until `count` frames are in.
    func readFrames(_ count: Int) -> [Consent_V1_Frame] {
        var decoder = FrameDecoder()
        var frames: [Consent_V1_Frame] = []
        while frames.count < count {
            guard case .bytes(let n) = tls.read(into: decoder.writableSpace(minimum: 4096)) else { return frames }
            decoder.didWrite(n)
            while let body = try? decoder.nextFrame() {
                if let frame = try? Consent_V1_Frame(serializedBytes: body) { frames.append(frame) }
            }
        }
        return frames
    }
}

func requestFrame(callID: UInt32, method: String, payload: [UInt8] = [], deadlineMs: UInt32 = 0) -> Consent_V1_Frame {
    Consent_V1_Frame(callId: callID, kind: .request(Consent_V1_Request(method: method, deadlineMs: deadlineMs, payload: payload)))
}

func goAwayCode(_ frames: [Consent_V1_Frame]) -> Consent_V1_GoAwayCode? {
    for frame in frames {
        if case .goAway(let g)? = frame.kind { return g.code }
    }
    return nil
}

/// The `x-consent-reason` trailer of a Response, as a client reads it (keys in any case).
func reason(_ response: Consent_V1_Response) -> String? {
    response.trailers.first { $0.key.lowercased() == ErrorTrailers.reason }?.value
}
