/// The role of a node whose store several nodes share (the PostgreSQL
/// store): exactly one is active and serves every call; the others follow the
/// committed events and name the active one to clients.
public enum NodeRole: Sendable, Equatable, CustomStringConvertible {
    /// Connected and catching up; has not yet competed for the lease.
    case starting
    /// Following the events another node commits; `leader` is the active
    /// node's address for clients (`HOST:PORT`), when one is active.
    case standby(leader: String?)
    /// Took the lease (a new epoch) and is applying the last events before it serves.
    case promoting(epoch: Int64)
    /// Holds the lease under `epoch` and serves every call.
    case active(epoch: Int64)
    /// Lost its lease or its database session: refuses every call while it
    /// reconnects and makes its state equal to the committed events again.
    case fenced(reason: String)
    /// Closed.
    case stopped

    public var isActive: Bool {
        if case .active = self { return true }
        return false
    }

    /// The active node's address as far as this node knows (itself when active).
    public var leader: String? {
        if case .standby(let leader) = self { return leader }
        return nil
    }

    /// One word for Health, metrics and logs.
    public var name: String {
        switch self {
        case .starting: "starting"
        case .standby: "standby"
        case .promoting: "promoting"
        case .active: "active"
        case .fenced: "fenced"
        case .stopped: "stopped"
        }
    }

    public var description: String {
        switch self {
        case .standby(let leader?): "standby (active node at \(leader))"
        case .standby(nil): "standby (no active node known)"
        case .promoting(let epoch): "promoting (epoch \(epoch))"
        case .active(let epoch): "active (epoch \(epoch))"
        case .fenced(let reason): "fenced (\(reason))"
        default: name
        }
    }
}

/// How a shared store reaches the node's live state: a standby applies the
/// records other nodes commit to it, and a node that lost its lease may have
/// to replace it with the state of the committed records.
public struct ReplicaHooks<State: ReplayableState>: Sendable {
    /// Runs `body` on the live state under the node's own lock. The store
    /// calls it with records it read beforehand, never across I/O.
    public var update: @Sendable (_ body: (inout State) throws(StoreError) -> Void) throws(StoreError) -> Void
    /// Told each role change, in order, on the store's node thread; must
    /// only hand work off (it must not wait for the store).
    public var roleChanged: @Sendable (NodeRole) -> Void

    public init(
        update: @escaping @Sendable (_ body: (inout State) throws(StoreError) -> Void) throws(StoreError) -> Void,
        roleChanged: @escaping @Sendable (NodeRole) -> Void
    ) {
        self.update = update
        self.roleChanged = roleChanged
    }
}

/// Replication counters of a shared store, for Health.Stats and metrics.
public struct ReplicaStatistics: Sendable {
    public var role: NodeRole
    /// The last sequence in the database when this node last looked.
    public var committedSequence: UInt64
    /// The last sequence applied to this node's state.
    public var appliedSequence: UInt64
    /// Seconds since a standby last caught up with the database (0 when active).
    public var secondsBehind: Double
    /// Times this node took the lease since it started.
    public var promotions: UInt64

    public init(role: NodeRole, committedSequence: UInt64, appliedSequence: UInt64, secondsBehind: Double, promotions: UInt64) {
        self.role = role
        self.committedSequence = committedSequence
        self.appliedSequence = appliedSequence
        self.secondsBehind = secondsBehind
        self.promotions = promotions
    }

    /// Records the database holds that this node has not applied.
    public var recordsBehind: UInt64 { committedSequence > appliedSequence ? committedSequence - appliedSequence : 0 }
}

/// An ``EventStore`` that several nodes share, one writing at a time
/// (docs/STORAGE.md, "One writer, standbys, failover").
///
/// Opening it recovers the state but takes no lease; ``start(advertising:hooks:)``
/// then follows the committed events and competes for the lease. Only while
/// ``role`` is active does `append` take records; otherwise it fails them
/// with ``StoreError/unavailable(_:)``.
public protocol SharedEventStore<State>: EventStore {
    /// Starts following and competing for the lease.
    /// - Parameters:
    ///   - address: `HOST:PORT` at which clients reach this node, named to
    ///     them by the standbys while it is active.
    ///   - hooks: the node's live state and its role observer.
    func start(advertising address: String, hooks: ReplicaHooks<State>)

    /// The node's role now.
    var role: NodeRole { get }

    /// Whether this node may answer now: active, and its lease renewed
    /// recently enough that no other node can have taken it.
    var mayServe: Bool { get }

    var replicaStatistics: ReplicaStatistics { get }
}
