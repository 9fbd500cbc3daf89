import ConsentProto

/// The life of a server connection, as an enum whose transitions return what
/// the connection must do. Pure: no I/O, so every transition is unit-tested.
///
///     handshaking ──ok──▶ active ──GoAway NO_ERROR──▶ draining ──last call ends──┐
///          │                 │                          │                         ▼
///          │                 └──error GoAway / idle─────┴────────────────────▶ closing ──flushed──▶ lingering ──EOF/timer──▶ closed
///          └──fails / timeout / peer gone ───────────────────────────────────────────────────────────────────────────────▶ closed
///
/// In `closing` nothing more is read or dispatched: the output (ending with the
/// GoAway) is being written. The connection bounds `closing` with a timer (a
/// peer that never reads must not keep it, or a shutdown, forever), and a
/// forced close at the shutdown timeout ends `closing` and `lingering` at once. In `lingering` close_notify and a TCP FIN have been
/// sent and whatever the peer still sends is read and dropped until its EOF or
/// a short timer: closing a socket with unread input makes the kernel send a
/// reset, which can destroy our GoAway before the peer reads it.
struct ConnectionStateMachine {
    enum State: Equatable {
        case handshaking
        case active
        /// A GoAway NO_ERROR was sent; open calls finish, new ones are refused.
        case draining
        case closing
        case lingering
        case closed
        /// A transition that cannot happen happened; the connection is closed.
        case poisoned(String)
    }

    private(set) var state: State = .handshaking

    enum HandshakeAction: Equatable {
        case becomeActive
        /// The peer has no usable identity: GoAway PROTOCOL_ERROR, then close.
        case refuse(reason: String)
        case ignore
    }

    mutating func handshakeCompleted(hasPrincipal: Bool) -> HandshakeAction {
        guard state == .handshaking else { return poison("handshake completed in \(state)", .ignore) }
        if hasPrincipal {
            state = .active
            return .becomeActive
        }
        state = .closing
        return .refuse(reason: "client certificate has no serialNumber or CN")
    }

    enum RequestAction: Equatable {
        case dispatch
        /// Answer UNAVAILABLE "server is shutting down" without opening the call.
        case refuseShuttingDown
        case ignore
    }

    func requestReceived() -> RequestAction {
        switch state {
        case .active: return .dispatch
        case .draining: return .refuseShuttingDown
        default: return .ignore
        }
    }

    /// Whether frames are still read and handled.
    var acceptsInput: Bool { state == .active || state == .draining }

    enum GoAwayAction: Equatable {
        /// Write a GoAway with this code; when `endCalls`, every open call is
        /// ended by the transport first; when `close`, move on to closing.
        case send(code: Consent_V1_GoAwayCode, endCalls: Bool, close: Bool)
        /// Release the socket now without writing anything (no TLS channel yet,
        /// or out of time). The state becomes `closed` through `closed()`,
        /// which the connection calls as it releases the socket.
        case closeNow
        case ignore
    }

    /// The server drains (graceful shutdown).
    mutating func drain(openCalls: Int) -> GoAwayAction {
        switch state {
        case .handshaking:
            return .closeNow
        case .active:
            state = openCalls == 0 ? .closing : .draining
            return .send(code: .noError, endCalls: false, close: openCalls == 0)
        default:
            return .ignore
        }
    }

    /// A protocol error, an idle timeout or a refused identity.
    mutating func fail(code: Consent_V1_GoAwayCode) -> GoAwayAction {
        switch state {
        case .active, .draining:
            state = .closing
            return .send(code: code, endCalls: true, close: true)
        case .handshaking:
            return .closeNow
        default:
            return .ignore
        }
    }

    /// The client sent GoAway: it wants no more; end the calls and close.
    mutating func peerGoingAway() -> Bool {
        guard state == .active || state == .draining else { return false }
        state = .closing
        return true
    }

    /// A call ended. - Returns: true when that was the last call of a draining connection.
    mutating func callEnded(openCalls: Int) -> Bool {
        guard state == .draining, openCalls == 0 else { return false }
        state = .closing
        return true
    }

    /// The shutdown timeout passed: remaining calls are cancelled.
    mutating func forceClose() -> GoAwayAction {
        switch state {
        case .handshaking, .closing, .lingering:
            return .closeNow
        case .active, .draining:
            state = .closing
            return .send(code: .noError, endCalls: true, close: true)
        case .closed, .poisoned:
            return .ignore
        }
    }

    /// All output, the final GoAway included, has been written.
    /// - Returns: true when the connection should now half-close and linger.
    mutating func outputFlushed() -> Bool {
        guard state == .closing else { return false }
        state = .lingering
        return true
    }

    /// The socket is gone (peer EOF, I/O error, linger over, timeout).
    /// - Returns: false when it already was.
    mutating func closed() -> Bool {
        if state == .closed { return false }
        state = .closed
        return true
    }

    private mutating func poison<A>(_ why: String, _ action: A) -> A {
        state = .poisoned(why)
        return action
    }
}
