#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import ConsentOpenSSL
import ConsentProto
import ConsentRPC

/// One client TLS connection to a ConsentHub server, carrying many calls at
/// once: the `ClientTransport` under `ConsentClient`.
///
/// Call ids come from a per-connection counter (so an id is not reused until
/// four billion calls later, and a late answer to a call the client gave up on
/// cannot land on a newer one). Requests started during a loop turn go out in
/// one SSL_write at its end, like the server's answers. The bytes move through
/// a `FramedChannel`, the server's own: the same read budget per readable
/// event (so one busy connection does not starve the others on a shared loop),
/// the same output buffering. Its life is `ClientConnectionStateMachine`.
///
/// `@unchecked Sendable`: every `var` is touched only on `loop`'s thread;
/// other threads go through `queued` (a Mutex) and the loop's inbox. When the
/// loop has stopped the inbox refuses messages and each public method
/// completes on the caller's thread without touching that state: calls fail
/// UNAVAILABLE, pings fail UNAVAILABLE, cancel does nothing, and `close`
/// releases the socket once (`releasedOffLoop`).
public final class ClientConnection: ClientTransport, Selectable, TimerTarget, FramedChannelOwner, InboxTarget, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var tls: TLSContext
        /// The name the server certificate must carry; nil: `host`.
        public var serverName: String?
        public var maxFrameSize: Int
        /// Covers TCP connect, TLS handshake and the first Ping round trip.
        public var connectTimeout: Duration
        /// Calls this connection keeps open at most; more fail RESOURCE_EXHAUSTED at once.
        public var maxConcurrentCalls: Int
        /// The loop to run on; nil: a loop (thread) of its own, stopped by `close()`.
        public var eventLoop: EventLoop?

        public init(
            host: String, port: Int, tls: TLSContext, serverName: String? = nil,
            maxFrameSize: Int = FrameLimits.defaultMaxFrameSize, connectTimeout: Duration = .seconds(10),
            maxConcurrentCalls: Int = 1 << 16, eventLoop: EventLoop? = nil
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.serverName = serverName
            self.maxFrameSize = maxFrameSize
            self.connectTimeout = connectTimeout
            self.maxConcurrentCalls = maxConcurrentCalls
            self.eventLoop = eventLoop
        }
    }

    private struct Slot {
        var ticket: UInt64 = 0
        var onMessage: (@Sendable ([UInt8]) -> Void)? = nil
        var onFinish: (@Sendable (CallResult) -> Void)? = nil
        var timeoutMs: UInt32 = 0
        var hasTimer = false
    }

    private struct QueuedCall {
        var ticket: UInt64
        var method: String
        var payload: [UInt8]
        var options: CallOptions
        var onMessage: @Sendable ([UInt8]) -> Void
        var onFinish: @Sendable (CallResult) -> Void
    }

    public let loop: EventLoop
    private let ownsLoop: Bool
    public let configuration: Configuration
    /// The socket, TLS, frame decoding and output buffering (shared with the server).
    private let channel: FramedChannel
    private let endpoint: String

    // The hot state below is confined to the loop thread and never borrowed
    // across a call out (handlers run after each access ends), so the dynamic
    // exclusivity checks Swift would do on every class-property access (15 %
    // of a server's CPU in a profile at 256 calls in flight) are turned off
    // for these properties only.
    @exclusivity(unchecked) private var machine = ClientConnectionStateMachine()
    @exclusivity(unchecked) private var table: CallTable
    @exclusivity(unchecked) private var slots: [Slot] = []
    private var pings: [UInt64: (MonotonicInstant, @Sendable (Result<Duration, RPCError>) -> Void)] = [:]
    /// Ping ids are taken off the loop so that a blocking ping that gives up
    /// can name the entry to forget.
    private let nextPingID = Atomic<UInt64>(1)
    private let releasedOffLoop = Atomic<Bool>(false)
    private static let loopStoppedReason = "the connection's event loop has stopped"

    private let tickets = Atomic<UInt64>(1)
    private let queued = Mutex<[QueuedCall]>([])
    private let closedFlag = Atomic<Bool>(false)

    private init(configuration: Configuration, loop: EventLoop, ownsLoop: Bool, fd: Int32, tls: TLSConnection, endpoint: String) {
        self.configuration = configuration
        self.loop = loop
        self.ownsLoop = ownsLoop
        self.endpoint = endpoint
        // No output high-water mark: a client's output is its own requests.
        channel = FramedChannel(loop: loop, fd: fd, tls: tls, stats: nil, maxFrameSize: configuration.maxFrameSize)
        table = CallTable(limit: configuration.maxConcurrentCalls, initialCapacity: 64)
        slots = Array(repeating: Slot(), count: 64)
    }

    // MARK: Connecting

    /// Connects, completes the TLS handshake and one Ping round trip (which is
    /// when a TLS 1.3 server's verdict on our certificate arrives). Blocks the
    /// calling thread for at most `connectTimeout`.
    /// - Throws: `RPCError` UNAVAILABLE: "cannot connect to 127.0.0.1:7443:
    ///   Connection refused", "TLS handshake with …: <OpenSSL's reason>", …
    /// - Important: not on `configuration.eventLoop`'s own thread: connecting
    ///   waits for that loop, which would then never run (a precondition says so).
    public static func connect(_ configuration: Configuration) throws(RPCError) -> ClientConnection {
        if let given = configuration.eventLoop {
            precondition(
                !given.inEventLoop,
                "ClientConnection.connect blocks until its event loop has registered the connection; call it off that loop's thread")
        }
        let endpoint = "\(configuration.host):\(configuration.port)"
        let deadline = MonotonicInstant.now().adding(nanoseconds: configuration.connectTimeout.nanosecondsClamped)
        func remainingMs() -> Int32 {
            Int32(clamping: (MonotonicInstant.now().nanoseconds(until: deadline) + 999_999) / 1_000_000)
        }
        let addresses: [SocketAddress]
        do {
            addresses = try SocketAddress.resolve(host: configuration.host, port: configuration.port)
        } catch {
            throw RPCError(.unavailable, "cannot connect to \(endpoint): cannot resolve \(configuration.host)", cause: error)
        }
        var fd: Int32 = -1
        var lastError: IOError? = nil
        for address in addresses {
            do throws(IOError) {
                fd = try Posix.socket(domain: address.family)
                if try !Posix.connect(fd, address) {
                    let revents = try Posix.pollOne(fd, events: Int16(POLLOUT), timeoutMilliseconds: remainingMs())
                    if revents == 0 { throw IOError(call: "connect", errnoCode: ETIMEDOUT) }
                    let code = try Posix.socketError(fd)
                    if code != 0 { throw IOError(call: "connect", errnoCode: code) }
                }
                lastError = nil
                break
            } catch {
                if fd >= 0 { Posix.close(fd) }
                fd = -1
                lastError = error
            }
        }
        if let lastError {
            throw RPCError(.unavailable, "cannot connect to \(endpoint): \(lastError.reason)", cause: lastError)
        }
        try? Posix.setOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)

        let tls: TLSConnection
        do {
            tls = try TLSConnection(context: configuration.tls, fileDescriptor: fd, serverName: configuration.serverName ?? configuration.host)
        } catch {
            Posix.close(fd)
            throw RPCError(.unavailable, "TLS setup for \(endpoint) failed: \(error)", cause: error)
        }
        handshake: while true {
            let wait: Int16
            switch tls.handshake() {
            case .complete: break handshake
            case .wantRead: wait = Int16(POLLIN)
            case .wantWrite: wait = Int16(POLLOUT)
            case .closed:
                Posix.close(fd)
                throw RPCError(.unavailable, "TLS handshake with \(endpoint) failed: the server closed the connection")
            case .error(let error):
                Posix.close(fd)
                throw RPCError(.unavailable, "TLS handshake with \(endpoint) failed: \(error.details.joined(separator: "; "))", cause: error)
            }
            let revents = (try? Posix.pollOne(fd, events: wait, timeoutMilliseconds: remainingMs())) ?? 0
            if revents == 0 {
                Posix.close(fd)
                throw RPCError(.unavailable, "TLS handshake with \(endpoint) timed out")
            }
        }
        if let expected = configuration.tls.configuration.applicationProtocols.first, tls.negotiatedProtocol != expected {
            Posix.close(fd)
            throw RPCError(.unavailable, "TLS handshake with \(endpoint) failed: the server did not agree to ALPN \(expected)")
        }

        let loop: EventLoop
        let ownsLoop: Bool
        if let given = configuration.eventLoop {
            loop = given
            ownsLoop = false
        } else {
            do {
                loop = try EventLoop(name: "consent-client")
            } catch {
                Posix.close(fd)
                throw RPCError(.unavailable, "cannot start an event loop: \(error)", cause: error)
            }
            ownsLoop = true
        }
        let connection = ClientConnection(configuration: configuration, loop: loop, ownsLoop: ownsLoop, fd: fd, tls: tls, endpoint: endpoint)
        let registered = Mutex<IOError?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        let queued = loop.submit {
            do throws(IOError) {
                try loop.register(connection.channel.fd, events: FramedChannel.events(writeInterest: false), handler: connection)
                connection.channel.readAll(connection)
            } catch {
                registered.withLock { $0 = error }
            }
            semaphore.signal()
        }
        if !queued {
            // Only a given loop can have stopped; ours was started above.
            connection.releasedOffLoop.store(true, ordering: .relaxed)
            Posix.close(fd)
            throw RPCError(.unavailable, "cannot connect to \(endpoint): \(Self.loopStoppedReason)")
        }
        semaphore.wait()
        if let error = registered.withLock({ $0 }) {
            connection.releasedOffLoop.store(true, ordering: .relaxed)
            Posix.close(fd)
            if ownsLoop { loop.stop() }
            throw RPCError(.unavailable, "cannot register with the event loop: \(error)", cause: error)
        }
        // The first round trip: a TLS 1.3 server rejects our certificate only
        // after our side of the handshake has finished, so this is where
        // "certificate unknown" and friends show up.
        let remaining = Duration.milliseconds(Int64(max(remainingMs(), 1)))
        switch connection.pingBlocking(timeout: remaining) {
        case .success:
            return connection
        case .failure(let error):
            connection.close()
            var reason = Substring(error.message)
            let prefix = "connection to \(endpoint) failed: "
            if reason.hasPrefix(prefix) { reason = reason.dropFirst(prefix.count) }
            throw RPCError(.unavailable, "TLS handshake with \(endpoint) failed: \(reason)", cause: error)
        }
    }

    // MARK: Calls

    public func startCall(
        method: String, payload: [UInt8], options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void,
        onFinish: @escaping @Sendable (CallResult) -> Void
    ) -> any ClientCallHandle {
        let ticket = tickets.wrappingAdd(1, ordering: .relaxed).oldValue
        if loop.inEventLoop {
            start(ticket: ticket, method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish)
        } else {
            let wasEmpty = queued.withLock { queue -> Bool in
                let wasEmpty = queue.isEmpty
                queue.append(QueuedCall(ticket: ticket, method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish))
                return wasEmpty
            }
            if wasEmpty && !loop.post(self, .startQueuedCalls) { failQueuedCalls() }
        }
        return CallHandle(connection: self, ticket: ticket)
    }

    private struct CallHandle: ClientCallHandle {
        let connection: ClientConnection
        let ticket: UInt64
        func cancel() { connection.cancel(ticket: ticket) }
    }

    private func start(
        ticket: UInt64, method: String, payload: [UInt8], options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void, onFinish: @escaping @Sendable (CallResult) -> Void
    ) {
        if case .refuse(let message) = machine.callStarting() {
            onFinish(CallResult(code: .unavailable, message: message))
            return
        }
        if table.isFull {
            onFinish(CallResult(code: .resourceExhausted, message: "too many calls open on this connection (limit \(table.limit))"))
            return
        }
        var timeoutMs: UInt32 = 0
        if let timeout = options.timeout {
            let nanos = timeout.nanosecondsClamped
            timeoutMs = UInt32(clamping: max((nanos + 999_999) / 1_000_000, 1))
        }
        var callID = UInt32(truncatingIfNeeded: ticket)
        while callID == 0 || table.find(callID) != nil { callID &+= 1 }  // after 2^32 calls only
        let size = Wire.requestFrameSize(callID: callID, method: method, deadlineMs: timeoutMs, metadata: options.metadata, payloadCount: payload.count)
        if size > configuration.maxFrameSize {
            onFinish(CallResult(code: .resourceExhausted, message: "request of \(size) bytes exceeds the frame limit"))
            return
        }
        let (slot, token) = table.open(callID)
        if slot >= slots.count { slots.append(contentsOf: repeatElement(Slot(), count: table.slots.count - slots.count)) }
        slots[slot] = Slot(ticket: ticket, onMessage: onMessage, onFinish: onFinish, timeoutMs: timeoutMs, hasTimer: timeoutMs > 0)
        if timeoutMs > 0 {
            loop.scheduleTimer(at: loop.now.adding(milliseconds: UInt64(timeoutMs)), target: self, payload: token.sequence)
        }
        Wire.writeRequest(callID: callID, method: method, deadlineMs: timeoutMs, metadata: options.metadata, payload: payload, into: &channel.output)
        scheduleFlush()
    }

    private func cancel(ticket: UInt64) {
        guard loop.inEventLoop else {
            // A stopped loop has nothing to cancel: every call ended when the
            // connection was closed (or fails when it is).
            _ = loop.post(self, .cancelCall(ticket))
            return
        }
        var callID = UInt32(truncatingIfNeeded: ticket)
        var slot = callID == 0 ? nil : table.find(callID)
        if let s = slot, slots[s].ticket != ticket { slot = nil }
        if slot == nil {
            // A renumbered call (after 2^32 calls), or already over.
            slot = table.openSlots.first { slots[$0].ticket == ticket }
            if let s = slot { callID = table[s].callID }
        }
        guard let slot else {
            // Not started yet (still queued)? Then it starts and is cancelled at once.
            if queued.withLock({ $0.contains { $0.ticket == ticket } }) {
                loop.submit { [self] in self.startQueued(); self.cancel(ticket: ticket) }
            }
            return
        }
        if machine.isLive {
            Wire.writeCancel(callID: callID, into: &channel.output)
            scheduleFlush()
        }
        complete(slot, CallResult(code: .cancelled, message: "cancelled by the client"))
    }

    private func complete(_ slot: Int, _ result: CallResult) {
        let onFinish = slots[slot].onFinish
        let hadTimer = slots[slot].hasTimer
        // Dead first (timerCancelled may compact the heap and count what
        // looks live). After the loop has stopped (close() on a stopped
        // shared loop) its timer heap is gone with it: nothing to account.
        slots[slot] = Slot()
        if hadTimer && loop.inEventLoop { loop.timerCancelled() }
        _ = table.close(slot, endedByTransport: nil)
        onFinish?(result)
    }

    private func startQueued() {
        let calls = queued.withLock { queue -> [QueuedCall] in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
        for c in calls {
            start(ticket: c.ticket, method: c.method, payload: c.payload, options: c.options, onMessage: c.onMessage, onFinish: c.onFinish)
        }
    }

    /// With the loop gone, fails whatever `startCall` queued (off the loop:
    /// touches only `queued`).
    private func failQueuedCalls() {
        let calls = queued.withLock { queue -> [QueuedCall] in
            let taken = queue
            queue.removeAll()
            return taken
        }
        for c in calls { c.onFinish(CallResult(code: .unavailable, message: Self.loopStoppedReason)) }
    }

    /// Runs on the loop only (the loop refuses posts once it has stopped), so
    /// it calls the on-loop halves directly and can never post again.
    func receive(_ message: InboxMessage) {
        switch message {
        case .startQueuedCalls: startQueued()
        case .cancelCall(let ticket): cancel(ticket: ticket)
        case .ping(let id, let completion): startPing(id, completion)
        case .forgetPing(let id): pings.removeValue(forKey: id)
        case .finish, .send, .onTermination, .onWritable: break  // server-side messages
        }
    }

    // MARK: Ping

    /// Sends a Ping; `completion` gets the round-trip time, or UNAVAILABLE if
    /// the connection ends first.
    public func ping(_ completion: @escaping @Sendable (Result<Duration, RPCError>) -> Void) {
        ping(id: nextPingID.wrappingAdd(1, ordering: .relaxed).oldValue, completion)
    }

    private func ping(id: UInt64, _ completion: @escaping @Sendable (Result<Duration, RPCError>) -> Void) {
        if loop.inEventLoop {
            startPing(id, completion)
        } else if !loop.post(self, .ping(id, completion)) {
            completion(.failure(RPCError(.unavailable, Self.loopStoppedReason)))
        }
    }

    private func startPing(_ id: UInt64, _ completion: @escaping @Sendable (Result<Duration, RPCError>) -> Void) {
        if let reason = machine.closedReason {
            completion(.failure(RPCError(.unavailable, reason)))
            return
        }
        pings[id] = (.now(), completion)
        Wire.writePing(id, pong: false, into: &channel.output)
        scheduleFlush()
    }

    /// `ping` for threads that may block.
    /// - Important: not on the connection's event loop, which would have to
    ///   run for the Pong to arrive (a precondition says so).
    public func pingBlocking(timeout: Duration = .seconds(10)) -> Result<Duration, RPCError> {
        precondition(!loop.inEventLoop, "pingBlocking on the connection's own event loop would deadlock; use ping(_:)")
        let result = Mutex<Result<Duration, RPCError>?>(nil)
        let semaphore = DispatchSemaphore(value: 0)
        let id = nextPingID.wrappingAdd(1, ordering: .relaxed).oldValue
        ping(id: id) { r in
            result.withLock { $0 = r }
            semaphore.signal()
        }
        let ns = timeout.nanosecondsClamped
        if semaphore.wait(timeout: .now() + .nanoseconds(Int(clamping: ns))) == .timedOut {
            // Nobody waits for this Pong any more: drop its entry, unless it
            // is already gone (answered meanwhile, or the loop has stopped).
            _ = loop.post(self, .forgetPing(id))
            return .failure(RPCError(.deadlineExceeded, "no Pong within \(timeout)"))
        }
        return result.withLock { $0! }
    }

    /// Pings waiting for their Pong (for tests; on the loop).
    var pendingPingCount: Int {
        assert(loop.inEventLoop)
        return pings.count
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        if events & Linux.EPOLLOUT != 0 { channel.flush(self) }
        channel.readAll(self)
    }

    // FramedChannelOwner

    var acceptsInput: Bool { machine.isLive }
    var acceptsOutput: Bool { machine.isLive }
    var pendingOutputBytes: Int { 0 }
    func buffersReacquired() {}
    func bytesArrived(_ count: Int) {}
    func readPassEnded() {}
    func outputBlocked() {}
    func outputOverLimit() {}  // no limit: the output is our own requests
    func outputFlushed() {}
    func writeInterestFailed(_ error: IOError) {}  // the next read or write reports a broken socket

    func frameRefused(_ error: FrameError) {
        connectionLost("protocol error from \(endpoint): \(error)")
    }

    func channelEnded(_ end: FramedChannelEnd) {
        switch end {
        case .closedByPeer:
            connectionLost("connection to \(endpoint) closed by the server")
        case .failed(let error, whileWriting: false):
            connectionLost("connection to \(endpoint) failed: \(error.details.isEmpty ? error.operation : error.details.joined(separator: "; "))")
        case .failed(let error, whileWriting: true):
            connectionLost("connection to \(endpoint) failed: \(error)")
        }
    }

    func handleFrame(_ bytes: UnsafeRawBufferPointer) {
        do {
            try Wire.withFrame(bytes) { callID, view in handleFrame(callID, view) }
        } catch {
            connectionLost("protocol error from \(endpoint): undecodable frame: \(error.reason)")
        }
    }

    private func handleFrame(_ callID: UInt32, _ view: Wire.FrameView) {
        switch view {
        case .response(let response):
            guard let slot = table.find(callID) else { return }  // given up on already
            let result = CallResult(
                code: StatusCode(rawValue: response.statusCode),
                message: Wire.string(response.message),
                payload: Wire.bytes(response.payload),
                trailers: response.trailerCount == 0 ? Metadata() : Wire.metadata(in: response.body, field: 4))
            complete(slot, result)
            checkDrained()
        case .streamMessage(let payload):
            guard let slot = table.find(callID) else { return }
            slots[slot].onMessage?(Wire.bytes(payload))
        case .pong(let data):
            machine.pongReceived()
            if let (start, completion) = pings.removeValue(forKey: data) {
                let ns = MonotonicInstant.now().nanoseconds &- start.nanoseconds
                completion(.success(.nanoseconds(Int64(clamping: ns))))
            }
        case .ping(let data):
            Wire.writePing(data, pong: true, into: &channel.output)
            scheduleFlush()
        case .goAway(let code, let reasonBytes):
            let goAwayCode = Consent_V1_GoAwayCode(rawValue: code)
            switch machine.goAwayReceived(noError: goAwayCode == .noError, code: goAwayCode.protoName, reason: Wire.string(reasonBytes)) {
            case .none: break
            case .drain: checkDrained()
            case .close(let reason): connectionLost(reason)
            }
        case .request, .cancel, .empty:
            connectionLost("protocol error from \(endpoint): unexpected frame from the server")
        }
    }

    private func checkDrained() {
        if let reason = machine.closeReasonAfterCall(openCalls: table.openCount) {
            connectionLost(reason)
        }
    }

    // MARK: Timers

    func isTimerLive(_ payload: UInt64) -> Bool {
        let s = Int(payload & CallTable.slotMask)
        return s < slots.count && table[s].sequence == payload && slots[s].hasTimer
    }

    func timerFired(_ payload: UInt64) {
        let s = Int(payload & CallTable.slotMask)
        guard s < slots.count, table[s].sequence == payload else { return }
        slots[s].hasTimer = false
        let callID = table[s].callID
        if machine.isLive {
            Wire.writeCancel(callID: callID, into: &channel.output)
            scheduleFlush()
        }
        complete(s, CallResult(code: .deadlineExceeded, message: "deadline of \(slots[s].timeoutMs) ms exceeded (client side)"))
        checkDrained()
    }

    // MARK: Writing

    @inline(__always)
    private func scheduleFlush() {
        channel.scheduleFlush(self)
    }

    func endOfTurn() {
        channel.endOfTurn(self)
    }

    // MARK: Closing

    /// Ends every open call UNAVAILABLE with `reason` and releases the socket.
    /// - Parameter loopStopped: the loop has ended (we run on another thread
    ///   and must not touch its epoll descriptor, which is closed).
    private func connectionLost(_ reason: String, loopStopped: Bool = false) {
        guard machine.close(reason: reason) else { return }
        closedFlag.store(true, ordering: .releasing)
        if !loopStopped { loop.deregister(channel.fd) }
        Posix.close(channel.fd)
        // A completion may cancel a sibling call at once: skip what closed meanwhile.
        for slot in table.openSlots where table.isOpen(slot) {
            complete(slot, CallResult(code: .unavailable, message: reason))
        }
        let waiting = pings
        pings.removeAll()
        for (_, (_, completion)) in waiting { completion(.failure(RPCError(.unavailable, reason))) }
        startQueued()  // each fails with `reason`
    }

    /// Whether the connection can still take calls.
    public var isOpen: Bool { !closedFlag.load(ordering: .acquiring) }

    /// Closes the connection: open calls end UNAVAILABLE "connection closed by
    /// the client". Blocks until done (unless called on the loop).
    public func close() {
        if loop.inEventLoop {
            closeOnLoop(loopStopped: false)
            return
        }
        let semaphore = DispatchSemaphore(value: 0)
        let queued = loop.submit { [self] in
            self.closeOnLoop(loopStopped: false)
            semaphore.signal()
        }
        if queued {
            semaphore.wait()
        } else if releasedOffLoop.exchange(true, ordering: .acquiringAndReleasing) == false {
            // A shared loop was stopped under us. Nothing runs on it any more
            // and every other method now completes without touching our state,
            // so this one thread may end the calls and release the socket.
            closeOnLoop(loopStopped: true)
        }
        if ownsLoop { loop.stop() }
    }

    private func closeOnLoop(loopStopped: Bool) {
        guard machine.isLive else { return }
        _ = channel.tls.shutdown()
        connectionLost("connection closed by the client", loopStopped: loopStopped)
    }

    deinit {
        if ownsLoop { loop.stop() }
    }
}
