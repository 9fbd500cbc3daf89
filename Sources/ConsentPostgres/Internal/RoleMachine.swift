import ConsentStore

/// A node's role as a state machine, in the shape of postgres-nio's
/// `ConnectionStateMachine`: the state is an enum, each event is a mutating
/// function that returns the actions to perform, and the node thread does
/// the I/O. Transitions:
///
/// ```
/// starting ──caughtUp──▶ standby ──leaseTaken──▶ promoting ──promoted──▶ active
///                          ▲   │ leaderSeen (hint changes)                  │
///                          │   ▼                                            │ lost
///                          └── fenced ◀───────────── lost ──────────────────┘
///                 (recovered: state equals the committed events again)
/// any ──closed──▶ stopped
/// ```
///
/// An event that makes no sense in the current state (a bug) fences the
/// node: it stops serving, reconnects and rebuilds its state, which is
/// always safe.
struct RoleMachine {
    private(set) var state: NodeRole = .starting

    enum Action: Equatable {
        /// Tell the node (the ledger) its new role.
        case announce(NodeRole)
        /// Take appends from now on, numbered after the committed end.
        case openWrites(epoch: Int64)
        /// Fail everything pending and every later append with `reason`.
        case refuseWrites(reason: String)
    }

    /// The state was brought up to the committed end at start.
    mutating func caughtUp(leader: String?) -> [Action] {
        guard case .starting = state else { return impossible("caughtUp in \(state)") }
        state = .standby(leader: leader)
        return [.announce(state)]
    }

    /// A standby read the lease: `leader` is the active node's address, if any.
    mutating func leaderSeen(_ leader: String?) -> [Action] {
        switch state {
        case .standby(let known):
            guard known != leader else { return [] }
            state = .standby(leader: leader)
            return [.announce(state)]
        case .starting, .fenced, .stopped:
            return []
        case .promoting, .active:
            return impossible("leaderSeen in \(state)")
        }
    }

    /// This node's takeover committed a new epoch.
    mutating func leaseTaken(epoch: Int64) -> [Action] {
        guard case .standby = state else { return impossible("leaseTaken in \(state)") }
        state = .promoting(epoch: epoch)
        return [.announce(state)]
    }

    /// The state holds every record committed before `epoch`: serve.
    mutating func promoted(epoch: Int64) -> [Action] {
        guard case .promoting(let taken) = state, taken == epoch else { return impossible("promoted(\(epoch)) in \(state)") }
        state = .active(epoch: epoch)
        return [.openWrites(epoch: epoch), .announce(state)]
    }

    /// The lease or the session is lost (a failed commit or renewal, the
    /// takeover's catch-up failed, or the lease was not renewed in time).
    mutating func lost(_ reason: String) -> [Action] {
        switch state {
        case .active, .promoting:
            state = .fenced(reason: reason)
            return [.refuseWrites(reason: reason), .announce(state)]
        case .fenced, .stopped:
            return []
        case .starting, .standby:
            // A standby serves nothing and applies only committed records:
            // losing its session costs it nothing but the leader hint.
            return leaderSeen(nil)
        }
    }

    /// The database no longer holds what this standby applied (restored to an
    /// earlier point, or a promoted replica that lacks the last events): its
    /// state must be rebuilt, as a fenced node's is.
    mutating func rewound(_ reason: String) -> [Action] {
        switch state {
        case .starting, .standby:
            state = .fenced(reason: reason)
            return [.announce(state)]
        case .promoting, .active:
            return lost(reason)
        case .fenced, .stopped:
            return []
        }
    }

    /// A fenced node's state equals the committed events again.
    mutating func recovered() -> [Action] {
        guard case .fenced = state else { return impossible("recovered in \(state)") }
        state = .standby(leader: nil)
        return [.announce(state)]
    }

    mutating func closed() -> [Action] {
        if case .stopped = state { return [] }
        let wasActive = state.isActive
        state = .stopped
        return (wasActive ? [.refuseWrites(reason: "the PostgreSQL event store is closed")] : []) + [.announce(.stopped)]
    }

    private mutating func impossible(_ what: String) -> [Action] {
        let reason = "internal error: \(what)"
        state = .fenced(reason: reason)
        return [.refuseWrites(reason: reason), .announce(state)]
    }
}
