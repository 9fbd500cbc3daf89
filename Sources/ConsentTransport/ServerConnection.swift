#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import ConsentOpenSSL
import ConsentProto
import ConsentRPC

/// One accepted TLS connection of a `TransportServer`, and the `CallSink` of
/// all its calls.
///
/// `@unchecked Sendable`: every stored `var` is only touched on `loop`'s
/// thread. The CallSink methods check `loop.inEventLoop` and otherwise post an
/// `InboxMessage` to the loop; the only state they read off the loop are the
/// atomics used to answer `send` (`outputBacklog`, `inboxBytes`, `published`).
/// When the loop has stopped (the connection is closed by then), a post is
/// refused and the sink method completes on the caller's thread without
/// touching the connection: an answer is dropped, `send` says false, a
/// termination handler runs with CANCELLED, a writability handler runs.
///
/// Timers: each of the four connection timers (handshake, idle, closing,
/// linger) has a bit in `armedTimers`, set when it is armed and cleared when
/// it fires or is cancelled, and `isTimerLive` is exactly that bit, so every
/// armed timer is accounted to the loop exactly once (`EventLoop.timerCancelled`).
final class ServerConnection: Selectable, TimerTarget, FramedChannelOwner, InboxTarget, CallSink, @unchecked Sendable {
    let loop: EventLoop
    private let shared: ServerShared
    private let loopContext: ServerLoopContext
    /// The socket, TLS, frame decoding and output buffering (shared with the client).
    private let channel: FramedChannel
    private let remoteAddress: String

    // The hot state below is confined to the loop thread and never borrowed
    // across a call out (handlers run after each access ends), so the dynamic
    // exclusivity checks Swift would do on every class-property access (15 %
    // of a server's CPU in a profile at 256 calls in flight) are turned off
    // for these properties only.
    @exclusivity(unchecked) private var machine = ConnectionStateMachine()
    @exclusivity(unchecked) private var calls: CallTable
    private var peer = PeerIdentity(principalID: "")
    /// The method name this connection called last (`shared.methodNames`), or -1.
    private var lastMethod = -1
    /// The dispatcher's answer to every call of this peer when it may not
    /// call at all (an unknown certificate), as of `admissionEpoch`.
    private var refusal: CallResult? = nil
    private var admissionEpoch: UInt64 = 0
    /// How this connection is counted in the server's connection limits.
    private(set) var ticket: ConnectionLimits.Ticket
    /// Set when the connection is over a connection limit: the answer to its
    /// calls (RESOURCE_EXHAUSTED), after which it is closed.
    private var limitRefusal: CallResult? = nil
    /// The principal's call budget (rate and open calls), shared with its
    /// other connections; nil until the handshake and for refused connections.
    private var budget: PrincipalBudget? = nil
    /// Call tokens taken from `budget` and not spent yet.
    @exclusivity(unchecked) private var callTokens = 0

    @exclusivity(unchecked) private var lastActivity: MonotonicInstant
    /// Bit `1 << payload` for each connection timer that is armed.
    @exclusivity(unchecked) private var armedTimers: UInt8 = 0
    /// When the first byte of the frame still incomplete in `decoder` arrived;
    /// nil when the decoder holds no partial frame.
    private var partialFrameSince: MonotonicInstant? = nil
    /// Frames handled since `notePartialFrame` last looked (tells a new
    /// partial frame from an old one).
    @exclusivity(unchecked) private var framesSinceNote = 0
    /// While the server shuts down gracefully: when the loop will force-close.
    private var shutdownDeadline: MonotonicInstant? = nil
    private var writableWaiters: [@Sendable () -> Void] = []

    /// Unwritten output, published for `send` off the loop.
    private let outputBacklog = Atomic<Int>(0)
    /// Bytes posted from other threads and not yet handled by the loop.
    private let inboxBytes = Atomic<Int>(0)
    /// Which calls are open, for `send` off the loop.
    private let published: PublishedCallSequences
    /// The buffer bytes last added to `LoopStats.connectionBufferBytes`.
    private var accountedBufferBytes = 0

    private static let timerHandshake: UInt64 = 1
    private static let timerIdle: UInt64 = 2
    private static let timerLinger: UInt64 = 3
    /// Bounds `closing`: the final output (ending with a GoAway) has this long
    /// to be written, however little the peer reads.
    private static let timerClosing: UInt64 = 4
    /// Bounds the arrival of one frame (`Configuration.frameTimeout`).
    private static let timerFrame: UInt64 = 5
    /// Gives the buffers back once the connection has been quiet for
    /// `Configuration.idleBufferRelease`.
    private static let timerQuiet: UInt64 = 6
    /// The largest payload of a connection timer; deadline timers use call sequences, all above.
    private static let lastConnectionTimer = timerQuiet
    private static let connectionTimers: [UInt64] = [timerHandshake, timerIdle, timerLinger, timerClosing, timerFrame, timerQuiet]
    private static let readChunk = 16 * 1024

    init(fd: Int32, tls: TLSConnection, remoteAddress: String, ticket: ConnectionLimits.Ticket, loopContext: ServerLoopContext) {
        self.ticket = ticket
        self.loop = loopContext.loop
        self.shared = loopContext.shared
        self.loopContext = loopContext
        self.remoteAddress = remoteAddress
        let config = loopContext.shared.configuration
        channel = FramedChannel(
            loop: loopContext.loop, fd: fd, tls: tls, stats: loopContext.stats, maxFrameSize: config.maxFrameSize,
            initialInputCapacity: Self.readChunk + 512, outputHighWaterMark: config.outputHighWaterMark,
            // Never less than one whole frame over the high-water mark.
            outputLimit: max(config.outputLimit, config.outputHighWaterMark + config.maxFrameSize))
        calls = CallTable(limit: config.maxConcurrentCallsPerConnection)
        published = PublishedCallSequences(capacity: calls.slots.count)
        lastActivity = loopContext.loop.now
        loopContext.stats.connectionsRetained.add(1, ordering: .relaxed)
        accountBuffers()
    }

    deinit {
        loopContext.stats.connectionsRetained.subtract(1, ordering: .relaxed)
        loopContext.stats.connectionBufferBytes.subtract(accountedBufferBytes, ordering: .relaxed)
    }

    private var config: TransportServer.Configuration { shared.configuration }
    private var stats: LoopStats { loopContext.stats }

    // MARK: Start

    /// Registers with the loop and starts the handshake (on the loop).
    func start() {
        do {
            try loop.register(channel.fd, events: FramedChannel.events(writeInterest: false), handler: self)
        } catch {
            log(.io, "register: \(error)")
            Posix.close(channel.fd)
            loopContext.connectionClosed(self)
            return
        }
        armTimer(Self.timerHandshake, at: loop.now.adding(nanoseconds: config.handshakeTimeout.nanosecondsClamped))
        doHandshake()
    }

    private func log(_ kind: ConnectionEventLog.Kind, _ message: @autoclosure () -> String) {
        shared.eventLog.write(kind, "connection \(remoteAddress): \(message())", loop: loop)
    }

    // MARK: Events

    func handleEvents(_ events: UInt32) {
        switch machine.state {
        case .handshaking:
            doHandshake()
        case .active, .draining:
            if events & Linux.EPOLLOUT != 0 { channel.flush(self) }
            if events & (Linux.EPOLLIN | Linux.EPOLLRDHUP | Linux.EPOLLHUP | Linux.EPOLLERR) != 0 { channel.readAll(self) }
        case .closing:
            if events & Linux.EPOLLOUT != 0 { channel.flush(self) }
            if events & (Linux.EPOLLHUP | Linux.EPOLLERR) != 0 { closeNow() }
        case .lingering:
            drainLingering()
        case .closed, .poisoned:
            break
        }
    }

    private func doHandshake() {
        switch channel.tls.handshake() {
        case .complete:
            cancelTimer(Self.timerHandshake)
            handshakeDone()
        case .wantRead:
            channel.setWriteInterest(false, self)
        case .wantWrite:
            channel.setWriteInterest(true, self)
        case .closed:
            LoopStats.bump(stats.handshakeFailures)
            log(.handshake, "closed during the TLS handshake")
            closeNow()
        case .error(let error):
            LoopStats.bump(stats.handshakeFailures)
            log(.handshake, "TLS handshake failed: \(error)")
            closeNow()
        }
    }

    private func handshakeDone() {
        channel.setWriteInterest(false, self)
        let subject = channel.tls.peerSubject()
        let serial = subject?.serialNumber.flatMap { $0.isEmpty ? nil : $0 }
        let cn = subject?.commonName.flatMap { $0.isEmpty ? nil : $0 }
        let principal = channel.tls.peerVerified ? (serial ?? cn) : nil
        switch transition({ $0.handshakeCompleted(hasPrincipal: principal != nil) }) {
        case .becomeActive:
            peer = PeerIdentity(principalID: principal!, commonName: cn, serialNumber: serial, remoteAddress: remoteAddress)
            admissionEpoch = shared.dispatcher.admissionEpoch
            refusal = shared.dispatcher.admission(of: peer)
            switch shared.limits.established(&ticket, principal: principal!) {
            case .admitted(let principalBudget): budget = principalBudget
            case .refused(let answer): limitRefusal = answer
            }
            lastActivity = loop.now
            armIdleTimer(at: lastActivity)
            armQuietTimer(at: lastActivity)
            if let limitRefusal {
                log(.refused, "over a connection limit: \(limitRefusal.message)")
                // It answers the calls that come at once, then goes; one that
                // sends none is closed after the handshake timeout.
                armTimer(Self.timerHandshake, at: loop.now.adding(nanoseconds: config.handshakeTimeout.nanosecondsClamped))
            }
            // Edge-triggered: frames that came with the handshake's last flight
            // will not be announced again.
            channel.readAll(self)
        case .refuse(let reason):
            LoopStats.bump(stats.protocolErrors)
            log(.protocolError, reason)
            Wire.writeGoAway(code: .protocolError, reason: reason, into: &channel.output)
            scheduleFlush()
        case .ignore:
            closeNow()
        }
    }

    // MARK: Reading (FramedChannelOwner)

    var acceptsInput: Bool { machine.acceptsInput }

    var acceptsOutput: Bool {
        switch machine.state {
        case .active, .draining, .closing: return true
        default: return false
        }
    }

    /// Answers posted by other threads and not yet written.
    var pendingOutputBytes: Int { max(0, inboxBytes.load(ordering: .relaxed)) }

    func buffersReacquired() {
        armQuietTimer(at: loop.now)
    }

    func bytesArrived(_ count: Int) {
        lastActivity = loop.now
    }

    func readPassEnded() {
        notePartialFrame()
        accountBuffers()
    }

    func frameRefused(_ error: FrameError) {
        fail(.frameTooLarge, String(describing: error))
    }

    func channelEnded(_ end: FramedChannelEnd) {
        switch end {
        case .closedByPeer(let whileWriting):
            peerGone(reason: whileWriting ? "closed by the peer while writing" : "closed by the peer")
        case .failed(let error, let whileWriting):
            log(.io, "\(whileWriting ? "write" : "read") failed: \(error)")
            peerGone(reason: whileWriting ? "write failed" : "read failed")
        }
    }

    func writeInterestFailed(_ error: IOError) {
        log(.io, "epoll_ctl: \(error)")
    }

    func handleFrame(_ bytes: UnsafeRawBufferPointer) {
        framesSinceNote &+= 1
        do {
            try Wire.withFrame(bytes) { callID, view in
                switch view {
                case .request(let request):
                    handleRequest(callID, request)
                case .cancel:
                    handleCancel(callID)
                case .ping(let data):
                    Wire.writePing(data, pong: true, into: &channel.output)
                    scheduleFlush()
                case .pong:
                    break  // an answer to a ping we sent
                case .empty:
                    fail(.protocolError, "frame without a kind")
                case .response:
                    fail(.protocolError, "a client must not send Response frames")
                case .streamMessage:
                    fail(.protocolError, "a client must not send StreamMessage frames")
                case .goAway:
                    peerSentGoAway()
                }
            }
        } catch {
            fail(.protocolError, "undecodable frame: \(error.reason)")
        }
    }

    /// The served method spelled `bytes` as its shared string; any other name
    /// as a string of its own, made for this call and not kept.
    private func methodName(_ bytes: UnsafeRawBufferPointer) -> String {
        let methods = shared.methodNames
        if lastMethod >= 0, methods.matches(lastMethod, bytes) { return methods[lastMethod] }
        if let index = methods.index(of: bytes) {
            lastMethod = index
            return methods[index]
        }
        return Wire.string(bytes)
    }

    /// The dispatcher's refusal of this peer, asked again after a reload.
    @inline(__always)
    private func currentRefusal() -> CallResult? {
        let epoch = shared.dispatcher.admissionEpoch
        if epoch != admissionEpoch {
            admissionEpoch = epoch
            refusal = shared.dispatcher.admission(of: peer)
        }
        return refusal
    }

    private func handleRequest(_ callID: UInt32, _ request: Wire.RequestView) {
        guard callID != 0 else {
            fail(.protocolError, "Request with call_id 0")
            return
        }
        guard calls.find(callID) == nil else {
            fail(.protocolError, "Request for call_id \(callID), which is already open")
            return
        }
        if let limitRefusal, machine.requestReceived() == .dispatch {
            writeResponse(callID, limitRefusal)
            endRefusedConnection()
            return
        }
        // Before anything of the Request is read: an unknown certificate's
        // call costs a lookup and its answer, nothing more.
        if let refusal = currentRefusal(), machine.requestReceived() == .dispatch {
            writeResponse(callID, refusal)
            return
        }
        switch machine.requestReceived() {
        case .dispatch:
            break
        case .refuseShuttingDown:
            writeResponse(callID, CallResult(
                code: .unavailable, message: "server is shutting down",
                trailers: [ErrorTrailers.reason: "server_shutting_down"]))
            return
        case .ignore:
            return
        }
        if calls.isFull {
            LoopStats.bump(stats.callsRefused)
            writeResponse(callID, ErrorTrailers.resourceExhausted(
                "too many concurrent calls on this connection (limit \(calls.limit))",
                reason: "concurrent_calls_per_connection", retryAfterMilliseconds: PrincipalBudget.concurrencyRetryMilliseconds))
            return
        }
        if request.metadataCount > FrameLimits.maxMetadataEntries || request.metadataBytes > FrameLimits.maxMetadataBytes {
            writeResponse(callID, CallResult(
                code: .resourceExhausted,
                message: "the call's metadata has \(request.metadataCount) entries of \(request.metadataBytes) bytes; "
                    + "the limits are \(FrameLimits.maxMetadataEntries) entries and \(FrameLimits.maxMetadataBytes) bytes",
                trailers: [ErrorTrailers.reason: "metadata_too_large"]))
            return
        }
        // Last: once spent, the budget's open-call count must meet the call's end.
        if let budget, let refused = spend(budget) {
            LoopStats.bump(stats.callsRefused)
            writeResponse(callID, refused)
            return
        }
        let (slot, token) = calls.open(callID)
        published.publish(slot: slot, sequence: token.sequence)
        LoopStats.bump(stats.callsInFlight)
        var deadline: Deadline? = nil
        if request.deadlineMs > 0 {
            let d = Deadline(loop.now.adding(milliseconds: UInt64(request.deadlineMs)))
            deadline = d
            calls[slot].deadlineMs = request.deadlineMs
            calls[slot].hasDeadlineTimer = true
            loop.scheduleTimer(at: d.instant, target: self, payload: token.sequence)
        }
        let call = IncomingCall(
            method: methodName(request.method),
            metadata: request.metadataCount == 0 ? Metadata() : Wire.metadata(in: request.body, field: 3),
            deadline: deadline,
            payload: Wire.bytes(request.payload),
            peer: peer)
        shared.dispatcher.dispatch(call, responder: CallResponder(sink: self, token: token))
    }

    /// Takes a call token and an open-call slot of the principal's budget.
    /// - Returns: nil, or the refusal (call rate, concurrent calls).
    @inline(__always)
    private func spend(_ budget: PrincipalBudget) -> CallResult? {
        if callTokens == 0 {
            let (granted, retry) = budget.takeCallTokens(now: loop.now.nanoseconds)
            guard granted > 0 else {
                return ErrorTrailers.resourceExhausted(
                    "principal \(budget.principal) is over its call rate (\(budget.callsPerSecond) calls per second); retry in \(retry) ms",
                    reason: "call_rate", retryAfterMilliseconds: retry)
            }
            callTokens = granted
        }
        callTokens -= 1
        guard budget.openCall() else {
            return ErrorTrailers.resourceExhausted(
                "principal \(budget.principal) has \(budget.concurrentCalls) calls open on all its connections (the limit); retry when one ends",
                reason: "concurrent_calls", retryAfterMilliseconds: PrincipalBudget.concurrencyRetryMilliseconds)
        }
        return nil
    }

    private func handleCancel(_ callID: UInt32) {
        // A Cancel for a call that is not open raced with its answer: nothing to do.
        guard callID != 0, let slot = calls.find(callID) else { return }
        endCall(
            slot, result: CallResult(
                code: .cancelled, message: "cancelled by the client",
                trailers: [ErrorTrailers.reason: "cancelled_by_client"]),
            byTransport: .cancelled)
    }

    // MARK: Calls

    /// Ends the call in `slot`: writes its Response, runs its termination
    /// handler when the transport ended it, and closes a draining connection
    /// after its last call.
    private func endCall(_ slot: Int, result: CallResult, byTransport code: StatusCode?) {
        let callID = calls[slot].callID
        cancelDeadlineTimer(slot)
        let handler = calls.close(slot, endedByTransport: code)
        published.publish(slot: slot, sequence: 0)
        budget?.closeCall()
        LoopStats.bump(stats.callsInFlight, by: -1)
        LoopStats.bump(stats.callsCompleted)
        if machine.state == .active || machine.state == .draining || machine.state == .closing {
            writeResponse(callID, result)
        }
        if let code, let handler { handler(code) }
        if transition({ $0.callEnded(openCalls: calls.openCount) }) {
            scheduleFlush()  // closes once written
        }
    }

    private func writeResponse(_ callID: UInt32, _ result: CallResult) {
        let size = Wire.responseFrameSize(callID: callID, result: result)
        if size > config.maxFrameSize {
            Wire.writeResponse(
                callID: callID,
                result: CallResult(
                    code: .resourceExhausted, message: "response of \(size) bytes exceeds the frame limit",
                    trailers: [ErrorTrailers.reason: "response_too_large"]),
                into: &channel.output)
        } else {
            Wire.writeResponse(callID: callID, result: result, into: &channel.output)
        }
        scheduleFlush()
    }

    // CallSink

    func finish(call token: CallToken, result: CallResult) {
        if loop.inEventLoop {
            finishOnLoop(token, result)
            return
        }
        let bytes = result.payload.count
        inboxBytes.add(bytes, ordering: .relaxed)
        if !loop.post(self, .finish(token, result)) {
            // The loop has stopped, so the connection was closed and ended this
            // call already: the answer has nowhere to go.
            inboxBytes.subtract(bytes, ordering: .relaxed)
        }
    }

    private func finishOnLoop(_ token: CallToken, _ result: CallResult) {
        guard let slot = calls.slot(for: token) else { return }
        endCall(slot, result: result, byTransport: nil)
    }

    func send(call token: CallToken, message: [UInt8]) -> Bool {
        if loop.inEventLoop {
            return sendOnLoop(token, message)
        }
        // Ended calls say false off the loop too (as published by the loop; a
        // call that ends while this runs is dropped by the loop instead).
        guard published.isOpen(token.sequence, slot: Int(token.sequence & CallTable.slotMask)) else { return false }
        let pending = inboxBytes.add(message.count, ordering: .relaxed).newValue
        guard loop.post(self, .send(token, message)) else {
            inboxBytes.subtract(message.count, ordering: .relaxed)
            return false
        }
        return pending + outputBacklog.load(ordering: .relaxed) < config.outputHighWaterMark
    }

    private func sendOnLoop(_ token: CallToken, _ message: [UInt8]) -> Bool {
        guard calls.slot(for: token) != nil, machine.state == .active || machine.state == .draining else { return false }
        let size = Wire.streamMessageFrameSize(callID: token.callID, payloadCount: message.count)
        if size > config.maxFrameSize {
            let slot = calls.slot(for: token)!
            endCall(
                slot, result: CallResult(
                    code: .resourceExhausted, message: "stream message of \(size) bytes exceeds the frame limit",
                    trailers: [ErrorTrailers.reason: "response_too_large"]),
                byTransport: .resourceExhausted)
            return false
        }
        Wire.writeStreamMessage(callID: token.callID, payload: message, into: &channel.output)
        scheduleFlush()
        return channel.output.readableBytes < config.outputHighWaterMark
    }

    func onTermination(call token: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void) {
        if loop.inEventLoop {
            onTerminationOnLoop(token, handler)
        } else if !loop.post(self, .onTermination(token, handler)) {
            handler(.cancelled)  // the loop has stopped: the connection and its calls are gone
        }
    }

    /// The loop is the authority on whether the call is still open. If it is
    /// not, the handler runs now, once: with the code the transport ended the
    /// call with while the slot still remembers it; not at all if the call's
    /// own `finish` ended it; and with CANCELLED once the slot has been reused
    /// for a newer call (a handler registered late from another thread must
    /// still learn that its call is gone, or a producer streams forever). The
    /// slot no longer says how that call ended then, so a handler registered
    /// after its own `finish` may be told CANCELLED: register before finishing.
    private func onTerminationOnLoop(_ token: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void) {
        if let slot = calls.slot(for: token) {
            calls[slot].onTermination = handler
            return
        }
        let s = Int(token.sequence & CallTable.slotMask)
        if s < calls.slots.count, calls[s].endedSequence == token.sequence {
            if let code = calls[s].endedByTransport { handler(code) }
            return
        }
        handler(.cancelled)
    }

    func onWritable(call token: CallToken, _ handler: @escaping @Sendable () -> Void) {
        if loop.inEventLoop {
            onWritableOnLoop(handler)
        } else if !loop.post(self, .onWritable(token, handler)) {
            handler()  // the loop has stopped: nothing will be written any more; `send` says false
        }
    }

    private func onWritableOnLoop(_ handler: @escaping @Sendable () -> Void) {
        if channel.output.readableBytes < config.outputLowWaterMark || !(machine.state == .active || machine.state == .draining) {
            handler()
        } else {
            writableWaiters.append(handler)
        }
    }

    /// Runs on the loop only (the loop refuses posts once it has stopped), so
    /// it calls the on-loop halves directly and can never post again.
    func receive(_ message: InboxMessage) {
        switch message {
        case .finish(let token, let result):
            inboxBytes.subtract(result.payload.count, ordering: .relaxed)
            finishOnLoop(token, result)
        case .send(let token, let bytes):
            inboxBytes.subtract(bytes.count, ordering: .relaxed)
            _ = sendOnLoop(token, bytes)
        case .onTermination(let token, let handler):
            onTerminationOnLoop(token, handler)
        case .onWritable(_, let handler):
            onWritableOnLoop(handler)
        case .startQueuedCalls, .cancelCall, .ping, .forgetPing:
            break  // client-side messages
        }
        // Reading may be paused on bytes that were in the inbox; a dropped
        // answer writes nothing, so look again at the end of the turn.
        if channel.readPaused { scheduleFlush() }
    }

    // MARK: Timers

    private func armTimer(_ payload: UInt64, at deadline: MonotonicInstant) {
        let bit: UInt8 = 1 << payload
        guard armedTimers & bit == 0 else { return }
        armedTimers |= bit
        loop.scheduleTimer(at: deadline, target: self, payload: payload)
    }

    /// Gives up an armed connection timer (once: the bit says whether it is armed).
    private func cancelTimer(_ payload: UInt64) {
        let bit: UInt8 = 1 << payload
        guard armedTimers & bit != 0 else { return }
        armedTimers &= ~bit
        loop.timerCancelled()
    }

    /// The timer must be dead (`isTimerLive` false) before the loop is told:
    /// `timerCancelled` may compact the heap, which keeps and counts whatever
    /// still looks live.
    private func cancelDeadlineTimer(_ slot: Int) {
        guard calls[slot].hasDeadlineTimer else { return }
        calls[slot].hasDeadlineTimer = false
        loop.timerCancelled()
    }

    func isTimerLive(_ payload: UInt64) -> Bool {
        if payload <= Self.lastConnectionTimer { return armedTimers & (1 << payload) != 0 }
        let s = Int(payload & CallTable.slotMask)
        return s < calls.slots.count && calls[s].sequence == payload && calls[s].hasDeadlineTimer
    }

    func timerFired(_ payload: UInt64) {
        if payload <= Self.lastConnectionTimer { armedTimers &= ~(1 << payload) }
        switch payload {
        case Self.timerHandshake:
            if limitRefusal != nil {
                endRefusedConnection()
                return
            }
            guard machine.state == .handshaking else { return }
            LoopStats.bump(stats.handshakeFailures)
            log(.handshake, "TLS handshake timed out")
            closeNow()
        case Self.timerIdle:
            guard machine.acceptsInput else { return }
            if calls.openCount > 0 {
                armIdleTimer(at: loop.now)
            } else if loop.now.nanoseconds &- lastActivity.nanoseconds >= config.idleTimeout.nanosecondsClamped {
                fail(.idleTimeout, "no frame for \(config.idleTimeout)", countAsError: false)
            } else {
                armIdleTimer(at: lastActivity)
            }
        case Self.timerQuiet:
            guard machine.acceptsInput else { return }
            let due = lastActivity.adding(nanoseconds: config.idleBufferRelease.nanosecondsClamped)
            let quiet = calls.openCount == 0 && channel.isQuiet && inboxBytes.load(ordering: .relaxed) == 0
            if quiet && loop.now >= due {
                releaseIdleBuffers()
            } else {
                // Busy, or active since: look again one period after the last frame (or from now).
                armQuietTimer(at: loop.now >= due ? loop.now : lastActivity)
            }
        case Self.timerClosing:
            guard machine.state == .closing else { return }
            log(.io, "closed with \(channel.output.readableBytes) bytes of final output unwritten: the peer does not read")
            closeNow()
        case Self.timerLinger:
            closeNow()
        case Self.timerFrame:
            guard machine.acceptsInput, let since = partialFrameSince else { return }
            if channel.readPaused {
                // We stopped reading (the peer's answers are unread): the wait is ours.
                partialFrameSince = loop.now
                armTimer(Self.timerFrame, at: loop.now.adding(nanoseconds: config.frameTimeout.nanosecondsClamped))
                return
            }
            let due = since.adding(nanoseconds: config.frameTimeout.nanosecondsClamped)
            if loop.now >= due {
                let buffered = channel.decoder.bufferedByteCount
                fail(.idleTimeout, "frame not complete after \(config.frameTimeout) (\(buffered) bytes arrived)")
            } else {
                armTimer(Self.timerFrame, at: due)
            }
        default:
            let s = Int(payload & CallTable.slotMask)
            guard s < calls.slots.count, calls[s].sequence == payload else { return }
            calls[s].hasDeadlineTimer = false
            let ms = calls[s].deadlineMs
            endCall(
                s, result: CallResult(
                    code: .deadlineExceeded, message: "deadline of \(ms) ms exceeded",
                    trailers: [ErrorTrailers.reason: "deadline_exceeded"]),
                byTransport: .deadlineExceeded)
        }
    }

    /// After a read: remembers when the frame left incomplete in the buffer
    /// began, and makes sure a timer will look at it. One timer at most per
    /// connection, armed only while a frame is incomplete, and re-armed (not
    /// cancelled) when it fires early: frames that complete within a read, as
    /// nearly all do, cost nothing here.
    @inline(__always)
    private func notePartialFrame() {
        let newFrame = framesSinceNote > 0
        framesSinceNote = 0
        guard channel.decoder.bufferedByteCount > 0 else {
            partialFrameSince = nil
            return
        }
        guard partialFrameSince == nil || newFrame else { return }
        partialFrameSince = loop.now
        armTimer(Self.timerFrame, at: loop.now.adding(nanoseconds: config.frameTimeout.nanosecondsClamped))
    }

    private func armQuietTimer(at from: MonotonicInstant) {
        armTimer(Self.timerQuiet, at: from.adding(nanoseconds: config.idleBufferRelease.nanosecondsClamped))
    }

    /// A quiet connection's buffers go back (see `Configuration.idleBufferRelease`).
    private func releaseIdleBuffers() {
        channel.releaseIdleBuffers()
        accountBuffers()
    }

    private func armIdleTimer(at from: MonotonicInstant) {
        armTimer(Self.timerIdle, at: from.adding(nanoseconds: config.idleTimeout.nanosecondsClamped))
    }

    /// Applies a state-machine transition. Entering `closing` arms the timer
    /// that bounds it, whatever the reason (GoAway after an error or an idle
    /// timeout, a refused identity, a drain, the peer's GoAway): the peer has
    /// the linger timeout to read the final output, or until the shutdown
    /// deadline during a graceful shutdown if that is later, and is then cut off.
    private func transition<Action>(_ change: (inout ConnectionStateMachine) -> Action) -> Action {
        let wasClosing = machine.state == .closing
        let action = change(&machine)
        if !wasClosing && machine.state == .closing {
            var deadline = loop.now.adding(nanoseconds: config.lingerTimeout.nanosecondsClamped)
            if let shutdownDeadline, shutdownDeadline > deadline { deadline = shutdownDeadline }
            armTimer(Self.timerClosing, at: deadline)
        }
        return action
    }

    // MARK: Writing (FramedChannelOwner)

    @inline(__always)
    private func scheduleFlush() {
        channel.scheduleFlush(self)
    }

    func endOfTurn() {
        channel.endOfTurn(self)
    }

    func outputBlocked() {
        let backlog = channel.output.readableBytes
        outputBacklog.store(backlog, ordering: .relaxed)
        // The socket is full, but our backlog may already be small.
        if backlog < config.outputLowWaterMark { outputDrained() }
    }

    func outputOverLimit() {
        abandonUnreadOutput()
    }

    func outputFlushed() {
        outputBacklog.store(0, ordering: .relaxed)
        accountBuffers()
        if transition({ $0.outputFlushed() }) {
            startLingering()
            return
        }
        outputDrained()
    }

    /// The socket is full and the output over its limit. Reading stopped long
    /// ago (at the high-water mark), but calls already dispatched kept
    /// answering: a peer that does not read would otherwise make the server
    /// hold up to max-concurrent-calls × max-frame-size bytes for it.
    private func abandonUnreadOutput() {
        LoopStats.bump(stats.protocolErrors)
        log(.io, "closed: \(channel.output.readableBytes) bytes of output unwritten, over the limit of \(channel.outputLimit ?? 0); the peer does not read")
        peerGone(reason: "the peer does not read its answers")
    }

    /// Output is below the low-water mark: wake producers, resume reading.
    private func outputDrained() {
        if !writableWaiters.isEmpty {
            let waiters = writableWaiters
            writableWaiters.removeAll()
            for waiter in waiters { waiter() }
        }
        // Answers posted by other threads count as they do for pausing: resuming
        // while the inbox alone is over the high-water mark paused again at the
        // next frame, and each pause scheduled another end-of-turn flush, so a
        // client streaming small frames kept the loop in end-of-turn rounds,
        // away from epoll, its timers and the very inbox that had to drain.
        let pending = channel.output.readableBytes + pendingOutputBytes
        if channel.readPaused && pending < config.outputLowWaterMark {
            channel.resumeReading(self)
        }
    }

    /// Brings `LoopStats.connectionBufferBytes` up to date with this
    /// connection's buffers (after reading, flushing and closing: where they
    /// grow and shrink).
    private func accountBuffers() {
        let bytes = channel.bufferCapacity
        guard bytes != accountedBufferBytes else { return }
        stats.connectionBufferBytes.add(bytes - accountedBufferBytes, ordering: .relaxed)
        if bytes < accountedBufferBytes { stats.connectionBufferBytesReleased.add(accountedBufferBytes - bytes, ordering: .relaxed) }
        accountedBufferBytes = bytes
    }

    // MARK: Ending

    /// Protocol error, idle timeout: GoAway with `code`, end the calls, close.
    private func fail(_ code: Consent_V1_GoAwayCode, _ reason: String, countAsError: Bool = true) {
        let action = transition { $0.fail(code: code) }
        if countAsError, action != .ignore {
            LoopStats.bump(stats.protocolErrors)
            log(.protocolError, "protocol error: \(reason)")
        }
        perform(action, reason: reason, endCode: .unavailable)
    }

    /// A connection over a connection limit has answered its calls (or sent
    /// none in time): GoAway NO_ERROR with the limit's message, then close.
    private func endRefusedConnection() {
        guard let limitRefusal else { return }
        perform(transition { $0.drain(openCalls: calls.openCount) }, reason: limitRefusal.message, endCode: .unavailable)
    }

    /// Graceful shutdown of the server: GoAway NO_ERROR.
    /// - Parameter deadline: when the loop will `forceClose` the connection.
    func drain(until deadline: MonotonicInstant) {
        shutdownDeadline = deadline
        perform(transition { $0.drain(openCalls: calls.openCount) }, reason: "server is shutting down", endCode: .unavailable)
    }

    /// The shutdown timeout passed: cancel what is still open and close; a
    /// connection already writing its last output or lingering closes now.
    func forceClose() {
        shutdownDeadline = nil
        perform(transition { $0.forceClose() }, reason: "server is shutting down", endCode: .cancelled)
    }

    private func perform(_ action: ConnectionStateMachine.GoAwayAction, reason: String, endCode: StatusCode) {
        switch action {
        case .send(let code, let endCalls, _):
            if endCalls {
                // Responses are written only after a GoAway NO_ERROR, and that
                // ends calls only at the shutdown timeout (forceClose): CANCELLED.
                let message = endCode == .cancelled ? "server shutdown timeout: call cancelled" : "connection closing: \(reason)"
                let trailers: Metadata = [ErrorTrailers.reason: "shutdown_timeout"]
                endAllCalls(code: endCode, message: message, trailers: trailers, writeResponses: code == .noError)
            }
            Wire.writeGoAway(code: code, reason: reason, into: &channel.output)
            scheduleFlush()
        case .closeNow:
            closeNow()
        case .ignore:
            break
        }
    }

    private func peerSentGoAway() {
        guard transition({ $0.peerGoingAway() }) else { return }
        endAllCalls(code: .cancelled, message: "client sent GoAway", writeResponses: false)
        scheduleFlush()
    }

    /// Ends every open call with `code` (termination handlers run).
    private func endAllCalls(code: StatusCode, message: String, trailers: Metadata = Metadata(), writeResponses: Bool) {
        // A termination handler may end a sibling call at once (its responder
        // succeeds or fails): skip what closed meanwhile.
        for slot in calls.openSlots where calls.isOpen(slot) {
            let callID = calls[slot].callID
            cancelDeadlineTimer(slot)
            let handler = calls.close(slot, endedByTransport: code)
            published.publish(slot: slot, sequence: 0)
            budget?.closeCall()
            LoopStats.bump(stats.callsInFlight, by: -1)
            LoopStats.bump(stats.callsCompleted)
            if writeResponses {
                Wire.writeResponse(callID: callID, result: CallResult(code: code, message: message, trailers: trailers), into: &channel.output)
            }
            handler?(code)
        }
    }

    /// The peer closed or the socket failed: no more I/O is possible.
    private func peerGone(reason: String) {
        endAllCalls(code: .cancelled, message: reason, writeResponses: false)
        closeNow()
    }

    /// Everything is written: send close_notify and FIN, then keep reading
    /// (and dropping) until the peer's EOF or the linger timer.
    private func startLingering() {
        _ = channel.tls.shutdown()
        Posix.shutdownWrite(channel.fd)
        cancelTimer(Self.timerClosing)
        armTimer(Self.timerLinger, at: loop.now.adding(nanoseconds: config.lingerTimeout.nanosecondsClamped))
        drainLingering()
    }

    private func drainLingering() {
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        while machine.state == .lingering {
            let result = withUnsafeMutableBytes(of: &scratch) { buffer in Result { () throws(IOError) in try Posix.read(channel.fd, into: buffer) } }
            switch result {
            case .success(.processed(let n)) where n > 0:
                continue
            case .success(.wouldBlock):
                return
            default:
                closeNow()  // EOF or error
            }
        }
    }

    /// Releases the socket. Open calls must have been ended before.
    private func closeNow() {
        if calls.openCount > 0 { endAllCalls(code: .cancelled, message: "connection closed", writeResponses: false) }
        guard transition({ $0.closed() }) else { return }
        for timer in Self.connectionTimers { cancelTimer(timer) }
        loop.deregister(channel.fd)
        Posix.close(channel.fd)
        writableWaiters.removeAll()
        outputBacklog.store(0, ordering: .relaxed)
        // The object may live on (a dead timer entry waits in the heap until
        // compaction, a handler keeps its responder); what it holds must not.
        channel.releaseAll()
        accountBuffers()
        loopContext.connectionClosed(self)
    }
}
