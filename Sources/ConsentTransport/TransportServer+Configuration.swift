import ConsentOpenSSL
import ConsentRPC

extension TransportServer {
    /// Everything a server is started with. The keys in docs/PROTOCOL.md
    /// ("limits") name these fields.
    public struct Configuration: Sendable {
        /// `listen`: the address to bind; "0.0.0.0" or "::" for every interface.
        public var host: String
        /// Port 0 picks a free port; `start()` returns the real one.
        public var port: Int
        public var tls: TLSContext
        /// `threads`: event loops (one thread each). nil: one per core.
        public var eventLoopCount: Int?
        /// `max_frame_bytes`: the largest frame either side may send (default 4 MiB).
        public var maxFrameSize: Int
        /// `max_calls_per_connection` (default 1024).
        public var maxConcurrentCallsPerConnection: Int
        /// `handshake_timeout` (default 10 s): TCP accept to finished TLS handshake.
        public var handshakeTimeout: Duration
        /// `idle_timeout` (default 300 s): a connection with no open call and no
        /// frame for this long gets GoAway IDLE_TIMEOUT and is closed.
        public var idleTimeout: Duration
        /// `frame_timeout` (default 30 s): the longest a frame may take to
        /// arrive, from its first byte to its last; then GoAway IDLE_TIMEOUT.
        /// A client trickling a frame (slowloris) cannot hold a connection
        /// and its buffer for longer.
        public var frameTimeout: Duration
        /// A connection with no open call, no output waiting and no partial
        /// frame for this long (default 2 s) gives its buffers back: its frame
        /// decoder's and output's (32 KiB) and OpenSSL's record buffers (about
        /// 34 KiB), allocated again with its next frame. Idle connections then
        /// cost a few KiB each; a busy one never pays the malloc and free.
        public var idleBufferRelease: Duration
        /// `output_high_water` (default 1 MiB): above this much unwritten output a
        /// connection stops reading and `CallSink.send` returns false.
        public var outputHighWaterMark: Int
        /// `output_low_water` (default 256 KiB): reading resumes and `onWritable`
        /// handlers run once the output is below this.
        public var outputLowWaterMark: Int
        /// How long a closing connection keeps reading (and dropping) input after
        /// its FIN, so that its last frames are not destroyed by a reset.
        public var lingerTimeout: Duration
        /// The most unwritten output a connection may hold (default 64 MiB;
        /// never less than `outputHighWaterMark` + `maxFrameSize`). Reading
        /// stops at the high-water mark, but calls already dispatched still
        /// answer; a peer that lets more than this pile up is disconnected.
        public var outputLimit: Int
        /// `max_connections` (default 10,000): connections of every kind
        /// together; lowered at start to leave 128 of the process's descriptors
        /// for everything else. At the limit the server stops accepting until
        /// one closes.
        public var maxConnections: Int
        /// `max_pending_handshakes` (default 256): accepted sockets whose TLS
        /// handshake has not finished. Over it a new socket is closed at once.
        public var maxPendingHandshakes: Int
        /// `max_pending_handshakes_per_address` (default 64): the same, per source address.
        public var maxPendingHandshakesPerAddress: Int
        /// `max_connections_per_address` (default 256): established connections
        /// from one source address; one more answers its calls RESOURCE_EXHAUSTED
        /// (reason `connections_per_address`) and is closed.
        public var maxConnectionsPerAddress: Int
        /// `max_connections_per_principal` (default 256): established connections
        /// of one certificate principal (reason `connections_per_principal`).
        public var maxConnectionsPerPrincipal: Int
        /// `max_calls_per_second_per_principal` (default 1,000,000, bursts of
        /// as many): calls begun per second by one principal over all its
        /// connections; beyond it RESOURCE_EXHAUSTED, reason `call_rate`.
        /// The default is a ceiling far above what one hub serves (a bank at
        /// 100,000 calls/s is never throttled by it); set it per deployment.
        public var maxCallsPerSecondPerPrincipal: Int
        /// `max_concurrent_calls_per_principal` (default 4,096): calls one
        /// principal has open over all its connections (reason `concurrent_calls`).
        public var maxConcurrentCallsPerPrincipal: Int
        /// `handshakes_per_second` (default 1,000, bursts of as many): sockets
        /// accepted per second; beyond it the listener waits (they queue in the
        /// kernel's backlog), bounding the CPU that handshakes can take.
        public var handshakesPerSecond: Int
        /// Connection-level events (handshake failures, protocol errors), for the server log.
        public var log: (@Sendable (String) -> Void)?
        /// Lines of one kind of connection event written per `logWindow`;
        /// beyond that they are counted, and one summary line per window says
        /// how many of each kind were left out (an unauthenticated client must
        /// not be able to fill the disk with the server's log).
        public var logLinesPerWindow: Int
        public var logWindow: Duration
        /// Run on each event loop when it is about to block after a turn
        /// that did something (``EventLoop/whenIdle(_:)``): the hub tells
        /// the log's writer that no more appends are coming from that loop
        /// for now. nil: nothing.
        public var whenIdle: (@Sendable () -> Void)?

        public init(
            host: String = "127.0.0.1",
            port: Int = 7443,
            tls: TLSContext,
            eventLoopCount: Int? = nil,
            maxFrameSize: Int = FrameLimits.defaultMaxFrameSize,
            maxConcurrentCallsPerConnection: Int = 1024,
            handshakeTimeout: Duration = .seconds(10),
            idleTimeout: Duration = .seconds(300),
            frameTimeout: Duration = .seconds(30),
            idleBufferRelease: Duration = .seconds(2),
            outputHighWaterMark: Int = 1 << 20,
            outputLowWaterMark: Int = 256 << 10,
            lingerTimeout: Duration = .seconds(2),
            outputLimit: Int = 64 << 20,
            maxConnections: Int = 10_000,
            maxPendingHandshakes: Int = 256,
            maxPendingHandshakesPerAddress: Int = 64,
            maxConnectionsPerAddress: Int = 256,
            maxConnectionsPerPrincipal: Int = 256,
            handshakesPerSecond: Int = 1000,
            maxCallsPerSecondPerPrincipal: Int = 1_000_000,
            maxConcurrentCallsPerPrincipal: Int = 4096,
            log: (@Sendable (String) -> Void)? = nil,
            logLinesPerWindow: Int = 10,
            logWindow: Duration = .seconds(10),
            whenIdle: (@Sendable () -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.eventLoopCount = eventLoopCount
            self.maxFrameSize = maxFrameSize
            self.maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection
            self.handshakeTimeout = handshakeTimeout
            self.idleTimeout = idleTimeout
            self.frameTimeout = frameTimeout
            self.idleBufferRelease = idleBufferRelease
            self.outputHighWaterMark = outputHighWaterMark
            self.outputLowWaterMark = outputLowWaterMark
            self.lingerTimeout = lingerTimeout
            self.outputLimit = outputLimit
            self.maxConnections = maxConnections
            self.maxPendingHandshakes = maxPendingHandshakes
            self.maxPendingHandshakesPerAddress = maxPendingHandshakesPerAddress
            self.maxConnectionsPerAddress = maxConnectionsPerAddress
            self.maxConnectionsPerPrincipal = maxConnectionsPerPrincipal
            self.handshakesPerSecond = handshakesPerSecond
            self.maxCallsPerSecondPerPrincipal = maxCallsPerSecondPerPrincipal
            self.maxConcurrentCallsPerPrincipal = maxConcurrentCallsPerPrincipal
            self.log = log
            self.logLinesPerWindow = logLinesPerWindow
            self.logWindow = logWindow
            self.whenIdle = whenIdle
        }
    }

    /// Counters of a running server, summed over its event loops when read.
    public struct Stats: Sendable, Hashable {
        public var connectionsOpen = 0
        public var connectionsAccepted = 0
        public var handshakeFailures = 0
        public var callsInFlight = 0
        public var callsCompleted = 0
        public var protocolErrors = 0
        public var bytesRead = 0
        public var bytesWritten = 0
        /// Times a connection stopped reading because its output was over the high-water mark.
        public var readPauses = 0
        /// Bytes allocated for connections' input and output buffers.
        public var connectionBufferBytes = 0
        /// Buffer bytes given back since start (shrunk or freed).
        public var connectionBufferBytesReleased = 0
        /// Connection objects alive: `connectionsOpen` plus closed ones still
        /// referenced (by a timer that has not fired yet, say), which hold no buffers.
        public var connectionsRetained = 0
        /// Accepted sockets whose TLS handshake has not finished.
        public var handshakesPending = 0
        /// Connections refused by a connection limit: closed at accept (pending
        /// handshakes) or answered RESOURCE_EXHAUSTED (per address, per principal).
        public var connectionsRefused = 0
        /// Times the listener stopped accepting for a while: every connection
        /// slot taken, the handshake rate reached, or out of descriptors.
        public var acceptPauses = 0
        /// Requests answered RESOURCE_EXHAUSTED by a call limit.
        public var callsRefused = 0

        public init() {}
    }
}

extension Duration {
    /// At most a century: added to a monotonic instant (time since boot) the
    /// sum cannot overflow, so a huge timeout means "never" rather than wrapping
    /// around into the past and firing at once.
    static let longestTimerNanoseconds: UInt64 = 100 * 365 * 86_400 * 1_000_000_000

    /// The duration in nanoseconds: 0 if negative, at most `longestTimerNanoseconds`.
    var nanosecondsClamped: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let limit = Self.longestTimerNanoseconds
        if UInt64(seconds) >= limit / 1_000_000_000 { return limit }
        return min(limit, UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000))
    }
}
