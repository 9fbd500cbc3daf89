import ConsentRPC
import Synchronization

/// A client connected to a `CallDispatcher` (the hub's `Router`) in the same
/// process: no socket, no TLS, no frames. The caller's identity is given, as
/// a handshake would have established it; the dispatcher runs on the calling
/// thread, exactly as it runs on a connection's event loop.
///
/// What a connection does around a call, this does too: one answer per call,
/// stream messages in order before it, `Cancel` (the call ends CANCELLED and
/// the handler's termination callback runs), deadlines on the `TestClock`
/// (they fire only when the test moves the clock: `expireDeadlines()`), and
/// `close()` (open calls end UNAVAILABLE on this side, CANCELLED for the
/// handler). What belongs to the network is left to the TLS tests: frames and
/// their limits, metadata size, the per-principal call budget, backpressure
/// (`send` always has room), GoAway.
///
/// Callbacks (`onMessage`, `onFinish`) run after the lock is released, in the
/// order the calls' events happened, one at a time: whichever thread finds
/// the mailbox idle delivers everything queued, so a callback that starts
/// another call never runs inside the dispatcher that called it.
public final class InProcessClient: ClientTransport, CallSink, Sendable {
    public let peer: PeerIdentity
    private let dispatcher: any CallDispatcher
    private let clock: TestClock
    private let state = Mutex(State())

    private struct OpenCall {
        var callID: UInt32
        var onMessage: @Sendable ([UInt8]) -> Void
        var onFinish: @Sendable (CallResult) -> Void
        var onTermination: (@Sendable (StatusCode) -> Void)?
        var deadline: MonotonicInstant?
        var timeoutMs: UInt32
    }

    private struct State {
        var nextSequence: UInt64 = 1
        var calls: [UInt64: OpenCall] = [:]
        /// Calls this side ended (cancel, deadline, close), by sequence: a
        /// termination handler registered late still learns how.
        var endedByTransport: [UInt64: StatusCode] = [:]
        var isClosed = false
        var mailbox: [@Sendable () -> Void] = []
        var delivering = false
    }

    /// - Parameters:
    ///   - peer: who is calling (its `principalID` is looked up in the principals).
    ///   - clock: the clock deadlines are measured on.
    public init(dispatcher: any CallDispatcher, peer: PeerIdentity, clock: TestClock) {
        self.dispatcher = dispatcher
        self.peer = peer
        self.clock = clock
    }

    // MARK: ClientTransport

    public func startCall(
        method: String, payload: [UInt8], options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void, onFinish: @escaping @Sendable (CallResult) -> Void
    ) -> any ClientCallHandle {
        // As on the wire: the remaining time in whole milliseconds, at least 1.
        var timeoutMs: UInt32 = 0
        if let timeout = options.timeout {
            timeoutMs = UInt32(clamping: max((TestClock.nanoseconds(timeout) + 999_999) / 1_000_000, 1))
        }
        let start = clock.monotonicNow
        let deadline = timeoutMs > 0 ? start.adding(milliseconds: UInt64(timeoutMs)) : nil
        let token: CallToken? = state.withLock { state in
            guard !state.isClosed else { return nil }
            let sequence = state.nextSequence
            state.nextSequence += 1
            let callID = UInt32(truncatingIfNeeded: sequence) == 0 ? 1 : UInt32(truncatingIfNeeded: sequence)
            state.calls[sequence] = OpenCall(
                callID: callID, onMessage: onMessage, onFinish: onFinish, onTermination: nil,
                deadline: deadline, timeoutMs: timeoutMs)
            return CallToken(callID: callID, sequence: sequence)
        }
        guard let token else {
            onFinish(CallResult(code: .unavailable, message: "connection closed by the client"))
            return Handle(client: nil, sequence: 0)
        }
        let call = IncomingCall(
            method: method, metadata: options.metadata, deadline: deadline.map(Deadline.init), payload: payload, peer: peer)
        dispatcher.dispatch(call, responder: CallResponder(sink: self, token: token))
        deliver()
        return Handle(client: self, sequence: token.sequence)
    }

    struct Handle: ClientCallHandle {
        let client: InProcessClient?
        let sequence: UInt64
        func cancel() { client?.cancel(sequence) }
    }

    /// Ends every open call (UNAVAILABLE here; the handlers' termination
    /// callbacks get CANCELLED, as when a connection closes) and refuses new ones.
    public func close() {
        let ended = state.withLock { state -> [(UInt64, OpenCall)] in
            state.isClosed = true
            let open = state.calls.sorted { $0.key < $1.key }
            state.calls.removeAll()
            for (sequence, call) in open {
                state.endedByTransport[sequence] = .cancelled
                state.mailbox.append { call.onFinish(CallResult(code: .unavailable, message: "connection closed by the client")) }
            }
            return open
        }
        for (_, call) in ended { call.onTermination?(.cancelled) }
        deliver()
    }

    public var isOpen: Bool { !state.withLock { $0.isClosed } }

    /// Calls still waiting for their answer.
    public var openCallCount: Int { state.withLock { $0.calls.count } }

    /// Ends the calls whose deadline has passed on the clock with
    /// DEADLINE_EXCEEDED, as the transport's timer would.
    /// - Returns: how many calls it ended.
    @discardableResult
    public func expireDeadlines() -> Int {
        let now = clock.monotonicNow
        let ended = endCalls(code: .deadlineExceeded) { call in
            guard let deadline = call.deadline, deadline <= now else { return nil }
            return "deadline of \(call.timeoutMs) ms exceeded"
        }
        return ended
    }

    private func cancel(_ sequence: UInt64) {
        endCalls(code: .cancelled, only: sequence) { _ in "cancelled by the client" }
    }

    /// Ends the open calls for which `message` gives a text (all, or only `sequence`).
    @discardableResult
    private func endCalls(code: StatusCode, only sequence: UInt64? = nil, message: (OpenCall) -> String?) -> Int {
        let ended = state.withLock { state -> [OpenCall] in
            let candidates = sequence.map { [$0] } ?? state.calls.keys.sorted()
            var ended: [OpenCall] = []
            for s in candidates {
                guard let call = state.calls[s], let text = message(call) else { continue }
                state.calls[s] = nil
                state.endedByTransport[s] = code
                state.mailbox.append { call.onFinish(CallResult(code: code, message: text)) }
                ended.append(call)
            }
            return ended
        }
        for call in ended { call.onTermination?(code) }
        deliver()
        return ended.count
    }

    // MARK: CallSink (the dispatcher's side)

    public func finish(call token: CallToken, result: CallResult) {
        let queued = state.withLock { state -> Bool in
            guard let call = state.calls.removeValue(forKey: token.sequence) else { return false }
            state.mailbox.append { call.onFinish(result) }
            return true
        }
        if queued { deliver() }
    }

    public func send(call token: CallToken, message: [UInt8]) -> Bool {
        let queued = state.withLock { state -> Bool in
            guard let call = state.calls[token.sequence] else { return false }
            state.mailbox.append { call.onMessage(message) }
            return true
        }
        if queued { deliver() }
        return queued
    }

    /// As a connection does: stored while the call is open; run at once with
    /// the code if this side already ended the call; not at all if the call's
    /// own `finish` ended it.
    public func onTermination(call token: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void) {
        let endedWith: StatusCode? = state.withLock { state in
            if state.calls[token.sequence] != nil {
                state.calls[token.sequence]!.onTermination = handler
                return nil
            }
            return state.endedByTransport[token.sequence]
        }
        if let endedWith { handler(endedWith) }
    }

    /// There is no output buffer to drain.
    public func onWritable(call token: CallToken, _ handler: @escaping @Sendable () -> Void) {
        handler()
    }

    // MARK: Delivery

    /// Runs the queued callbacks unless another thread (or a caller further up
    /// this one's stack) is already running them; that one then runs these too.
    private func deliver() {
        while true {
            let batch: [@Sendable () -> Void]? = state.withLock { state in
                guard !state.delivering, !state.mailbox.isEmpty else { return nil }
                state.delivering = true
                defer { state.mailbox.removeAll() }
                return state.mailbox
            }
            guard let batch else { return }
            for callback in batch { callback() }
            state.withLock { $0.delivering = false }
        }
    }
}
