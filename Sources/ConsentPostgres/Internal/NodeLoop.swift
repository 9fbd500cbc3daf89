#if canImport(Glibc)
import Glibc
#endif
import ConsentStore

/// The node thread of a PostgreSQL store: one loop that plays the node's
/// role, driven by ``RoleMachine`` (which decides) while this does the I/O.
///
/// - **standby**: LISTENs on `consent_events` over a session of its own
///   and, on each notification (or every poll interval, in case one was
///   missed), reads the records after the last it applied, a page at a
///   time, and applies each page to the live state under the node's lock.
///   Every poll it reads the lease: the active node's address becomes the
///   clients' hint; if the lease expired or its holder's session is gone it
///   tries to take it (a new epoch).
/// - **promoting**: applies what was committed before the new epoch (no
///   other node can commit any more), then opens writes.
/// - **active**: the writer (``StoreCore/runActive(epoch:connection:)``).
/// - **fenced**: reconnects; if everything this node appended was committed
///   (or nothing was pending) its state is exact, otherwise the snapshot
///   thread rebuilds the state of the committed records and it replaces the
///   live one; then standby again.
final class NodeLoop<State: ReplayableState> {
    private let core: StoreCore
    private let hooks: ReplicaHooks<State>
    private let address: String
    private var machine = RoleMachine()
    /// The session that takes and holds the lease, and commits.
    private var writer: PGConnection?
    /// The session that LISTENs and reads the events and the lease.
    private var follower: PGConnection?
    /// The last sequence applied to the live state, and the epoch it was
    /// written under (what the database must still hold for the state to be exact).
    private var applied: UInt64
    private var appliedEpoch: Int64
    /// Where this node's current term as the active node began: records
    /// after it are its own (epoch `lastEpoch`).
    private var promotedFrom: UInt64 = .max
    /// The epoch of this node's last term as the active node.
    private var lastEpoch: Int64 = 0
    /// Where a standby last asked for a snapshot.
    private var recordsAtSnapshotRequest: UInt64
    /// A node that was just fenced competes for the lease only after this:
    /// a healthy standby (which polls every `pollInterval`) takes over
    /// first, rather than the node whose session or link just failed.
    private var takeoverNotBefore = ContinuousClock.now
    private var options: PostgresOptions { core.options }

    static var pollInterval: Duration { .milliseconds(200) }
    static var reconnectInterval: Duration { .milliseconds(500) }

    init(core: StoreCore, hooks: ReplicaHooks<State>, address: String, writer: PGConnection?, applied: UInt64, appliedEpoch: Int64) {
        self.appliedEpoch = appliedEpoch
        self.core = core
        self.hooks = hooks
        self.address = address
        self.writer = writer
        self.applied = applied
        recordsAtSnapshotRequest = core.lastSnapshotSequence.load(ordering: .relaxed)
    }

    private var timeout: Duration { options.leaseDuration * 4 }

    func run() {
        perform(machine.caughtUp(leader: nil))
        while true {
            if core.isClosing {
                if case .active(let epoch) = machine.state, let writer, !writer.isBroken {
                    _ = try? writer.query(Schema.release, [.int64(epoch)], deadline: .now + .seconds(2))
                }
                perform(machine.closed())
                return
            }
            switch machine.state {
            case .starting, .stopped:
                return
            case .standby:
                if let epoch = follow() { perform(machine.leaseTaken(epoch: epoch)) }
            case .promoting(let epoch):
                do throws(StoreError) {
                    try promote(epoch: epoch)
                    perform(machine.promoted(epoch: epoch))
                } catch {
                    perform(machine.lost("the takeover could not catch up: \(error)"))
                }
            case .active(let epoch):
                guard let writer else {
                    perform(machine.lost("no database session"))
                    continue
                }
                switch core.runActive(epoch: epoch, connection: writer) {
                case .lost(let error, let pending):
                    options.log("lost the lease of epoch \(epoch): \(error)")
                    perform(machine.lost("\(error)"))
                    for entry in pending { entry.callback(.failure(error)) }
                case .closed:
                    perform(machine.closed())
                    return
                }
            case .fenced:
                if recover() { perform(machine.recovered()) }
            }
        }
    }

    // MARK: Actions

    private func perform(_ actions: [RoleMachine.Action]) {
        for action in actions {
            switch action {
            case .announce(let role):
                let previous = core.role.withLock { current -> NodeRole in
                    defer { current = role }
                    return current
                }
                if previous.name != role.name { options.log("role: \(previous.name) → \(role)") }
                hooks.roleChanged(role)
            case .openWrites:
                core.openWrites(last: applied)
            case .refuseWrites(let reason):
                core.refuseWrites(.unavailable(reason))
            }
        }
    }

    // MARK: Sessions

    private func session(_ existing: inout PGConnection?, purpose: String) -> PGConnection? {
        if let connection = existing, !connection.isBroken { return connection }
        existing = nil
        do throws(PostgresError) {
            let fresh = try PGConnection(conninfo: options.connection, applicationName: "consentd \(options.nodeName) \(purpose)")
            existing = fresh
            return fresh
        } catch {
            return nil
        }
    }

    // MARK: Standby

    /// Follows the committed events until this node takes the lease (its
    /// epoch), or the store closes (nil).
    private func follow() -> Int64? {
        var nextPoll = ContinuousClock.now
        var listening = false
        var reportedUnreachable = false
        while !core.isClosing {
            guard let follower = session(&follower, purpose: "follower") else {
                if !reportedUnreachable { options.log("standby: cannot reach PostgreSQL; retrying every \(Self.reconnectInterval)") }
                reportedUnreachable = true
                perform(machine.leaderSeen(nil))
                sleep(Self.reconnectInterval)
                continue
            }
            reportedUnreachable = false
            do throws(StoreError) {
                if !listening {
                    do throws(PostgresError) {
                        try follower.query("LISTEN \(Schema.channel)", deadline: .now + timeout)
                    } catch { throw .unavailable("LISTEN failed: \(error)") }
                    listening = true
                    // A new session may reach another database server (a
                    // promoted replica, a restore): it must still hold
                    // what this node applied.
                    if try !holds(applied, epoch: appliedEpoch, using: follower) {
                        perform(machine.rewound("the database no longer holds event \(applied) as this node applied it (restored, or a replica that lacks the last events): rebuilding"))
                        return nil
                    }
                }
                if let rewound = try catchUp(using: follower) {
                    perform(machine.rewound("\(rewound)"))
                    return nil
                }
                if ContinuousClock.now >= nextPoll {
                    nextPoll = ContinuousClock.now + Self.pollInterval
                    if let epoch = try pollLease(using: follower) { return epoch }
                }
                do throws(PostgresError) {
                    _ = try follower.notifications(channel: Schema.channel, waitingUntil: nextPoll)
                } catch { throw .unavailable("\(error)") }
            } catch {
                options.log("standby: \(error); reconnecting")
                self.follower = nil
                listening = false
                perform(machine.leaderSeen(nil))
            }
        }
        return nil
    }

    /// The database ends before what this node applied.
    struct Rewound: CustomStringConvertible {
        var applied: UInt64
        var end: UInt64
        var description: String {
            "the database ends at event \(end) but this node applied up to \(applied) (restored, or a replica that lacks the last events): rebuilding"
        }
    }

    /// Whether the database holds record `sequence` under `epoch` (trivially for 0).
    private func holds(_ sequence: UInt64, epoch: Int64, using connection: PGConnection) throws(StoreError) -> Bool {
        guard sequence > 0 else { return true }
        do throws(PostgresError) {
            let row = try connection.query(Schema.record, [.int64(Int64(sequence))], deadline: .now + timeout)
            return row.rowCount == 1 && row.integer(0, 0, binary: true) == epoch
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
    }

    /// Applies every record committed after `applied`, a page at a time.
    /// - Returns: nil, or why the database no longer holds what this node applied.
    @discardableResult
    private func catchUp(using connection: PGConnection) throws(StoreError) -> Rewound? {
        let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
        let end: UInt64
        do throws(PostgresError) { end = try reader.lastSequence() } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
        core.committedSeen.store(end, ordering: .relaxed)
        if end < applied { return Rewound(applied: applied, end: end) }
        while applied < end {
            let page = try reader.page(after: applied, upTo: end)
            let from = applied
            var last = from
            var lastEpoch = appliedEpoch
            try hooks.update { (state) throws(StoreError) in
                last = try EventReader.visit(page, after: from) { (sequence, epoch, type, payload) throws(StoreError) in
                    do {
                        try state.apply(recordType: type, payload: payload, sequence: sequence)
                    } catch {
                        throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                    }
                    lastEpoch = epoch
                }
            }
            applied = last
            appliedEpoch = lastEpoch
            core.followed(upTo: applied)
        }
        core.caughtUpAt.store(Monotonic.nanoseconds(), ordering: .relaxed)
        // A standby snapshots what it follows, so its own restart is quick too.
        if let every = options.snapshotEveryRecords, applied >= recordsAtSnapshotRequest + every {
            recordsAtSnapshotRequest = applied
            core.requestSnapshot(nil)
        }
        return nil
    }

    /// Reads the lease; takes it when it is free. Returns the new epoch if taken.
    private func pollLease(using follower: PGConnection) throws(StoreError) -> Int64? {
        let lease: PGResult
        do throws(PostgresError) {
            lease = try follower.query(Schema.lease, deadline: .now + timeout)
        } catch { throw .unavailable("cannot read the lease: \(error)") }
        guard lease.rowCount == 1 else { throw .unavailable("consent_lease holds no row") }
        let leader = lease.text(0, 1) ?? ""
        let valid = lease.withBytes(0, 3) { $0.first == 1 }
        let holderAlive = lease.withBytes(0, 4) { $0.first == 1 }
        if valid && holderAlive {
            perform(machine.leaderSeen(leader.isEmpty ? nil : leader))
            return nil
        }
        perform(machine.leaderSeen(nil))
        guard ContinuousClock.now >= takeoverNotBefore else { return nil }
        return takeOver()
    }

    /// One takeover attempt on the writer session: the new epoch, or nil
    /// when another node was quicker (or the database cannot be reached).
    private func takeOver() -> Int64? {
        guard let writer = session(&writer, purpose: "writer") else { return nil }
        let milliseconds = options.leaseDuration.components.seconds * 1000 + options.leaseDuration.components.attoseconds / 1_000_000_000_000_000
        let sent = Monotonic.nanoseconds()
        do throws(PostgresError) {
            let taken = try writer.query(
                Schema.takeOver, [.text(address), .text(options.nodeName), .int64(milliseconds)], deadline: .now + timeout)
            guard taken.rowCount == 1, let epoch = taken.integer(0, 0, binary: true) else { return nil }
            core.leaseConfirmed(sentAt: sent)
            return epoch
        } catch {
            options.log("taking the lease failed: \(error)")
            self.writer = nil
            return nil
        }
    }

    // MARK: Promoting

    /// Applies everything committed before `epoch`, then the node may write.
    private func promote(epoch: Int64) throws(StoreError) {
        guard let writer else { throw .unavailable("no database session") }
        // Our own commits would pile up as notifications nobody reads.
        self.follower = nil
        if let rewound = try catchUp(using: writer) { throw .unavailable("\(rewound)") }
        do throws(PostgresError) {
            if !writer.inPipelineMode { try writer.enterPipelineMode() }
        } catch { throw .unavailable("cannot use pipeline mode: \(error)") }
        lastEpoch = epoch
        promotedFrom = applied
        core.promotions.add(1, ordering: .relaxed)
        options.log("took the lease as epoch \(epoch); serving from sequence \(applied) (advertised as \(address))")
    }

    // MARK: Fenced

    /// Makes the live state equal to the committed events again. Returns
    /// false if the store is closing or the database cannot be reached yet.
    private func recover() -> Bool {
        if let writer, writer.isBroken { self.writer = nil }
        // A pipelined session cannot run the plain statements below: start afresh.
        self.writer = nil
        while !core.isClosing {
            guard let connection = session(&writer, purpose: "writer") else {
                sleep(Self.reconnectInterval)
                continue
            }
            do throws(StoreError) {
                let appendedUpTo = core.appended.load(ordering: .acquiring)
                if try !stateIsCommitted(upTo: appendedUpTo, using: connection) {
                    let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
                    let end: UInt64
                    do throws(PostgresError) { end = try reader.lastSequence() } catch {
                        throw .unavailable("cannot read the events from PostgreSQL: \(error)")
                    }
                    let request = StateRequest(upTo: end)
                    core.requestState(request)
                    switch request.wait() {
                    case .success(let value):
                        let rebuilt = value as! DurableState<State>
                        try hooks.update { (state) throws(StoreError) in state = rebuilt.state }
                        options.log("rebuilt the state of the committed events (up to sequence \(rebuilt.sequence); \(appendedUpTo > rebuilt.sequence ? appendedUpTo - rebuilt.sequence : 0) records this node applied but never saw committed left out)")
                        applied = rebuilt.sequence
                        appliedEpoch = try PostgresEventStore<State>.epoch(of: applied, reader: reader)
                    case .failure(let error):
                        throw error
                    }
                } else {
                    appliedEpoch = epochOf(appendedUpTo)
                    applied = appendedUpTo
                }
                promotedFrom = .max
                core.followed(upTo: applied)
                takeoverNotBefore = ContinuousClock.now + options.leaseDuration / 4
                return true
            } catch {
                options.log("fenced: cannot rejoin yet: \(error)")
                self.writer = nil
                sleep(Self.reconnectInterval)
            }
        }
        return false
    }

    /// Whether every record up to `sequence` that this node applied is in
    /// the database as it applied it: nothing was pending, or its last
    /// record is there under this node's epoch (epochs write contiguous
    /// runs, so then all of them are).
    private func stateIsCommitted(upTo sequence: UInt64, using connection: PGConnection) throws(StoreError) -> Bool {
        // The database must hold the record as this node knows it: it may be
        // another server now (a promoted replica) that lacks the last events.
        try holds(sequence, epoch: epochOf(sequence), using: connection)
    }

    /// The epoch of a record this node applied: its own term's for records
    /// after its promotion, else the one it followed.
    private func epochOf(_ sequence: UInt64) -> Int64 {
        sequence > promotedFrom ? lastEpoch : appliedEpoch
    }

    private func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    }
}
