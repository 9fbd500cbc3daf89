/// The life of a client connection, as an enum whose transitions return what
/// the connection must do. Pure: no I/O, so every transition is unit-tested
/// (the server's side is `ConnectionStateMachine`).
///
///     handshaking ──first Pong──▶ open ──GoAway NO_ERROR──▶ draining ──last call ends──▶ closed
///          │                        │                          │                           ▲
///          └── GoAway NO_ERROR ─────┼──────────────────────────┘                           │
///          └──────────── error GoAway, socket lost, protocol error, close() ───────────────┘
///
/// `handshaking`: the TLS handshake is done and the connection is on its
/// loop, but a TLS 1.3 server's verdict on our certificate comes only with
/// its first answer, so `connect` waits for one Ping round trip before it
/// hands the connection out; the first Pong opens it. In `draining` the
/// server has said it is going away: open calls complete, new ones fail
/// UNAVAILABLE, and the connection closes after the last one. `closed` keeps
/// the reason every later call fails with.
struct ClientConnectionStateMachine {
    enum State: Equatable {
        case handshaking
        case open
        case draining(reason: String)
        case closed(reason: String)
    }

    private(set) var state: State = .handshaking

    /// Whether frames are still read and output written (every state but `closed`).
    var isLive: Bool {
        if case .closed = state { return false }
        return true
    }

    /// The reason the connection closed, or nil.
    var closedReason: String? {
        if case .closed(let reason) = state { return reason }
        return nil
    }

    /// A Pong arrived: the first one opens a handshaking connection.
    mutating func pongReceived() {
        if state == .handshaking { state = .open }
    }

    enum CallAction: Equatable {
        case send
        /// Fail the call at once with UNAVAILABLE and this message.
        case refuse(message: String)
    }

    /// A call is about to be sent.
    func callStarting() -> CallAction {
        switch state {
        case .handshaking, .open: return .send
        case .draining(let reason): return .refuse(message: "the server is going away: \(reason)")
        case .closed(let reason): return .refuse(message: reason)
        }
    }

    enum GoAwayAction: Equatable {
        /// Nothing to do now (already draining or closed).
        case none
        /// Close now if no call is open (`callEnded` closes it later otherwise).
        case drain
        /// Close with this reason: every open call fails.
        case close(reason: String)
    }

    /// The server sent GoAway.
    mutating func goAwayReceived(noError: Bool, code: String, reason: String) -> GoAwayAction {
        guard isLive else { return .none }
        if !noError { return .close(reason: "server sent GoAway \(code): \(reason)") }
        switch state {
        case .handshaking, .open:
            state = .draining(reason: reason)
            return .drain
        case .draining:
            return .drain
        case .closed:
            return .none
        }
    }

    /// A call ended (answered, timed out, cancelled) or the server drains.
    /// - Returns: the reason to close with, when that leaves a draining connection without calls.
    func closeReasonAfterCall(openCalls: Int) -> String? {
        guard case .draining(let reason) = state, openCalls == 0 else { return nil }
        return "the server is going away: \(reason)"
    }

    /// The connection closes (socket lost, protocol error, client's close).
    /// - Returns: false when it already was closed (nothing to do).
    mutating func close(reason: String) -> Bool {
        guard isLive else { return false }
        state = .closed(reason: reason)
        return true
    }
}
