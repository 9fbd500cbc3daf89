import Dispatch
import Synchronization
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentTransport

/// A ConsentHub client: one mutual-TLS connection carrying many calls at
/// once, with typed calls on top of `ClientTransport`.
///
/// ```swift
/// let client = try ConsentClient(configuration: .init(
///     host: "127.0.0.1", port: 7443, caFile: "ca.pem", certificateFile: "me.pem", keyFile: "me.key"))
/// defer { client.close() }
/// let answer = try await client.unary(Consent_V1_Health.check, .init())
/// ```
/// - Important: call `close()` when done.
public final class ConsentClient: ClientTransport, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// PEM file of the CA(s) the server certificate must chain to.
        public var caFile: String
        /// PEM file of our certificate (chain); ConsentHub requires one.
        public var certificateFile: String
        public var keyFile: String
        /// The name the server certificate must carry; nil: `host`.
        public var serverName: String?
        public var maxFrameSize: Int
        public var connectTimeout: Duration
        /// Run on this loop instead of a thread of the client's own (for many clients in one process).
        public var eventLoop: EventLoop?
        /// More nodes of the same hub (`HOST:PORT`), for a hub that runs as
        /// several nodes sharing one PostgreSQL database: with any, the client
        /// connects to the active node and follows a standby's hint
        /// (`x-consent-leader`), see `ActiveNodeFinder`.
        public var otherNodes: [String]
        /// How long finding the active node may take (a takeover takes seconds).
        public var failoverTimeout: Duration

        public init(
            host: String = "127.0.0.1", port: Int = 7443, caFile: String, certificateFile: String, keyFile: String,
            serverName: String? = nil, maxFrameSize: Int = FrameLimits.defaultMaxFrameSize,
            connectTimeout: Duration = .seconds(10), eventLoop: EventLoop? = nil, otherNodes: [String] = [],
            failoverTimeout: Duration = .seconds(15)
        ) {
            self.host = host
            self.port = port
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.serverName = serverName
            self.maxFrameSize = maxFrameSize
            self.connectTimeout = connectTimeout
            self.eventLoop = eventLoop
            self.otherNodes = otherNodes
            self.failoverTimeout = failoverTimeout
        }
    }

    /// The connection in use: the one connection, or, with several nodes,
    /// the one to the node found active (it changes after a failover).
    public var connection: ClientConnection { finder?.connection ?? single! }
    private let single: ClientConnection?
    private let finder: ActiveNodeFinder?

    /// Connects (blocking, at most `connectTimeout`).
    /// - Throws: `RPCError` UNAVAILABLE with the reason (refused, handshake failure…),
    ///   or INVALID_ARGUMENT when a certificate or key file cannot be loaded.
    public convenience init(configuration: Configuration) throws(RPCError) {
        let tls: TLSContext
        do {
            tls = try TLSContext(
                configuration: .client(
                    caFile: configuration.caFile, certificateChainFile: configuration.certificateFile,
                    privateKeyFile: configuration.keyFile))
        } catch {
            throw RPCError(.invalidArgument, "cannot load the client TLS files: \(error)", cause: error)
        }
        if !configuration.otherNodes.isEmpty {
            var addresses = [ActiveNodeFinder.Address(host: configuration.host, port: configuration.port)]
            for text in configuration.otherNodes {
                guard let address = ActiveNodeFinder.parse(text) else {
                    throw RPCError(.invalidArgument, "a node's address must be HOST:PORT, not '\(text)'")
                }
                if !addresses.contains(address) { addresses.append(address) }
            }
            let finder = ActiveNodeFinder(addresses: addresses, timeout: configuration.failoverTimeout) { address throws(RPCError) in
                try ClientConnection.connect(.init(
                    host: address.host, port: address.port, tls: tls, serverName: configuration.serverName,
                    maxFrameSize: configuration.maxFrameSize, connectTimeout: configuration.connectTimeout,
                    eventLoop: configuration.eventLoop))
            }
            finder.adopt(try finder.connectToActive())
            self.init(finder: finder)
            return
        }
        try self.init(
            connection: ClientConnection.connect(
                .init(
                    host: configuration.host, port: configuration.port, tls: tls, serverName: configuration.serverName,
                    maxFrameSize: configuration.maxFrameSize, connectTimeout: configuration.connectTimeout,
                    eventLoop: configuration.eventLoop)))
    }

    /// Connects with a TLS context built elsewhere (tests, custom ALPN or versions).
    public convenience init(connection configuration: ClientConnection.Configuration) throws(RPCError) {
        self.init(connection: try ClientConnection.connect(configuration))
    }

    public init(connection: ClientConnection) {
        single = connection
        finder = nil
    }

    private init(finder: ActiveNodeFinder) {
        single = nil
        self.finder = finder
    }

    /// Closes the connection; open calls end UNAVAILABLE.
    public func close() {
        if let finder { finder.close() } else { connection.close() }
    }

    /// Whether calls can be made: the connection is open, or, with several
    /// nodes, the client has not been closed (it reconnects to the node that
    /// took over).
    public var isOpen: Bool { finder.map { !$0.isClosed } ?? connection.isOpen }

    // MARK: ClientTransport

    public func startCall(
        method: String, payload: [UInt8], options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void, onFinish: @escaping @Sendable (CallResult) -> Void
    ) -> any ClientCallHandle {
        if let finder { return finder.startCall(method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish) }
        return connection.startCall(method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish)
    }

    // MARK: Calls
    // Typed calls (`unary`, `startUnary`, `serverStream`) come from
    // `ClientTransport` (ConsentRPC), shared with the in-process transport.

    /// A unary call that blocks the calling thread (not for async code or the loop thread).
    public func unaryBlocking<Req, Res>(
        _ method: ProtoMethod<Req, Res>, _ request: Req, options: CallOptions = CallOptions()
    ) throws(RPCError) -> Res {
        precondition(!connection.loop.inEventLoop, "unaryBlocking on the client's own event loop would deadlock")
        // The shared implementation (ClientTransport's), reached through the protocol.
        return try (self as any ClientTransport).unaryBlocking(method, request, options: options)
    }

    // MARK: Ping

    /// The round-trip time of one Ping.
    public func ping() async throws(RPCError) -> Duration {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Duration, RPCError>, Never>) in
            connection.ping { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    public func pingBlocking(timeout: Duration = .seconds(10)) throws(RPCError) -> Duration {
        try connection.pingBlocking(timeout: timeout).get()
    }
}
