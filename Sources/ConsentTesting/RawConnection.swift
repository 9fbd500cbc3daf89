#if canImport(Glibc)
import Glibc
#endif
import ConsentOpenSSL
import ConsentProto
import ConsentRPC

/// Where abusive (and well-behaved) test clients connect, and as whom.
public struct HubEndpoint: Sendable {
    public var host: String
    public var port: Int
    public var caFile: String
    public var certificateFile: String
    public var keyFile: String

    public init(host: String = "127.0.0.1", port: Int, caFile: String, certificateFile: String, keyFile: String) {
        self.host = host
        self.port = port
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The development certificates of `principal` (`consumer`, `portal`, `admin`, …).
    public init(port: Int, certificates: DevCertificateSet, principal: String) {
        self.init(
            port: port, caFile: certificates.path("ca.pem"),
            certificateFile: certificates.path("\(principal).pem"), keyFile: certificates.path("\(principal).key"))
    }

    public func tlsContext() throws -> TLSContext {
        try TLSContext(configuration: .client(caFile: caFile, certificateChainFile: certificateFile, privateKeyFile: keyFile))
    }
}

/// A TCP socket to a hub (blocking, close-on-exec, reads time out after
/// `readTimeout`), optionally with TLS on top: a client that writes whatever
/// bytes a test or benchmark wants, including ones no real client would.
public final class RawConnection: @unchecked Sendable {  // used by one thread at a time
    public let fd: Int32
    public private(set) var tls: TLSConnection?
    private var decoder = FrameDecoder()
    private var closed = false

    public enum Failure: Error, CustomStringConvertible {
        case connect(Int32)
        case handshake(String)

        public var description: String {
            switch self {
            case .connect(let code): "connect failed: errno \(code)"
            case .handshake(let why): "TLS handshake failed: \(why)"
            }
        }
    }

    /// Connects; with `context`, completes the TLS handshake too.
    /// - Parameter receiveBuffer: SO_RCVBUF, for a client that means not to read.
    public init(to endpoint: HubEndpoint, tls context: TLSContext?, readTimeout: Duration = .seconds(10), receiveBuffer: Int32? = nil) throws {
        _ = Self.ignoreSIGPIPE
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(endpoint.port).bigEndian
        address.sin_addr.s_addr = inet_addr(endpoint.host)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure.connect(code)
        }
        let (seconds, attoseconds) = readTimeout.components
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let context else { return }
        do {
            let tls = try TLSConnection(context: context, fileDescriptor: fd, serverName: endpoint.host)
            self.tls = tls
            switch tls.handshake() {
            case .complete: break
            case .error(let error): throw Failure.handshake("\(error)")
            default: throw Failure.handshake("did not complete")
            }
        } catch {
            Glibc.close(fd)
            closed = true
            throw error
        }
    }

    deinit {
        close()
    }

    /// Writing to a socket the server has closed must fail, not kill the process.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Closes the socket (the TLS session without close_notify, as a crashed client would).
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Writes all of `bytes` (through TLS when there is a session).
    /// - Returns: false when the peer is gone or the write timed out.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n: Int
            if let tls {
                guard case .bytes(let written) = bytes[offset...].withUnsafeBytes({ tls.write($0) }) else { return false }
                n = written
            } else {
                n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { return false }
            }
            offset += n
        }
        return true
    }

    @discardableResult
    public func send(_ frame: Consent_V1_Frame) -> Bool {
        write(FrameEncoder.encode(frame))
    }

    /// Reads frames until `count` are in, the peer closes, or a read times out.
    public func readFrames(_ count: Int) -> (frames: [Consent_V1_Frame], closed: Bool) {
        guard let tls else { return ([], true) }
        var frames: [Consent_V1_Frame] = []
        while frames.count < count {
            switch tls.read(into: decoder.writableSpace(minimum: 4096)) {
            case .bytes(let n):
                decoder.didWrite(n)
                while let body = try? decoder.nextFrame() {
                    if let frame = try? Consent_V1_Frame(serializedBytes: body) { frames.append(frame) }
                }
            case .closed, .error:
                return (frames, true)
            case .wantRead, .wantWrite:
                return (frames, false)  // the read timed out
            }
        }
        return (frames, false)
    }

    /// Reads frames until the peer closes (or a read times out).
    public func readUntilClosed() -> (frames: [Consent_V1_Frame], closed: Bool) {
        readFrames(Int.max)
    }

    /// The code of the first GoAway among `frames`.
    public static func goAwayCode(_ frames: [Consent_V1_Frame]) -> Consent_V1_GoAwayCode? {
        for frame in frames {
            if case .goAway(let goAway)? = frame.kind { return goAway.code }
        }
        return nil
    }

    /// A Request frame.
    public static func request(_ callID: UInt32, _ method: String, payload: [UInt8] = [], deadlineMs: UInt32 = 0) -> Consent_V1_Frame {
        Consent_V1_Frame(callId: callID, kind: .request(Consent_V1_Request(method: method, deadlineMs: deadlineMs, payload: payload)))
    }
}
