import ConsentCore
import ConsentRPC
import ConsentStore
import Synchronization

/// A node of a shared store (PostgreSQL, docs/STORAGE.md "One writer,
/// standbys, failover"): only the active node decides commands and answers
/// reads. A standby applies the events the active node commits, under the
/// same lock as every command, and answers every call UNAVAILABLE with the
/// active node's address in the trailer `x-consent-leader`; a fenced node
/// (it lost its lease or its session) refuses everything until its state
/// equals the committed events again.
extension ConsentLedger {
    /// The trailer naming the active node (`HOST:PORT`) on a standby's refusal.
    public static let leaderKey = "x-consent-leader"

    /// The `x-consent-reason` of a refusal because this node is not the active one.
    public static let notLeaderReason = "not_leader"

    /// Starts following the shared store and competing for its lease;
    /// `address` is how clients reach this node (the standbys' hint). Does
    /// nothing for a store of the node's own.
    public func startReplication(advertising address: String) {
        guard let shared else { return }
        shared.start(advertising: address, hooks: ReplicaHooks(
            update: { [weak self] (body) throws(StoreError) in
                guard let self else { throw .unavailable("the ledger is closed") }
                let configuration = self.configuration
                let sequence = try self.live.withLock { (live) throws(StoreError) -> UInt64 in
                    // Moved out and back, never copied: the state is large.
                    var wrapped = LoggedConsentState()
                    swap(&wrapped.state, &live.state)
                    defer {
                        swap(&wrapped.state, &live.state)
                        live.state.configuration = configuration
                    }
                    try body(&wrapped)
                    return wrapped.state.lastSequence
                }
                self.notifyCommitted(sequence)
            },
            roleChanged: { [weak self] role in self?.roleChanged(to: role) }))
    }

    /// The node's role: `.active` for a store of its own.
    public var role: NodeRole { nodeRole.withLock { $0 } }

    /// Whether this node answers calls now: with a store of its own always
    /// (failures aside); with a shared one, while it is active and its
    /// lease was renewed recently enough that no other node can hold it.
    public var servesCalls: Bool {
        guard accepting.load(ordering: .acquiring) else { return false }
        return shared?.mayServe ?? true
    }

    /// Registers `observer` for role changes (runs on the store's node thread: hand work off).
    public func addRoleObserver(_ observer: @escaping @Sendable (NodeRole) -> Void) {
        roleObservers.withLock { $0.append(observer) }
    }

    /// Replication counters of a shared store; nil for a store of its own.
    public var replicaStatistics: ReplicaStatistics? { shared?.replicaStatistics }

    private func roleChanged(to role: NodeRole) {
        nodeRole.withLock { $0 = role }
        accepting.store(role.isActive, ordering: .releasing)
        if role.isActive { notifyCommitted(durableSequence) }
        for observer in roleObservers.withLock({ $0 }) { observer(role) }
    }

    /// The refusal of a node that is not the active one, naming the active
    /// node when it is known.
    func notServing() -> RPCError {
        let role = self.role
        var trailers: Metadata = [DomainErrorMapping.reasonKey: Self.notLeaderReason]
        let message: String
        switch role {
        case .standby(let leader?):
            trailers.add(Self.leaderKey, leader)
            message = "this node is a standby; the active node is \(leader) (trailer \(Self.leaderKey)): send the call there"
        case .active:
            message = "this node's lease is not confirmed (its database answers slowly); retry in a moment"
        case .fenced(let reason):
            message = "this node lost its lease or its database session (\(reason)) and is rejoining; retry in a moment or use another node"
        case .standby(nil), .starting, .promoting:
            message = "no node is active at the moment (a takeover is under way, or the database cannot be reached); retry in a moment"
        case .stopped:
            message = "this node is stopping"
        }
        return RPCError(.unavailable, message, trailers: trailers)
    }
}
