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
///   clients' hint; if the lease expired, or its holder's session is gone
///   and the holder's serving window has passed, it tries to take it (a
///   new epoch).
/// - **promoting**: applies what was committed before the new epoch (no
///   other node can commit any more), then opens writes.
/// - **active**: the writer (``StoreCore/runActive(epoch:start:connection:)``).
/// - **fenced**: reconnects; if the database holds everything this node
///   applied, as it applied it (the history hash of its last record, or of
///   the failed transaction's records after its last confirmed one), its
///   state is exact; otherwise the snapshot thread rebuilds the state of the
///   committed records and it replaces the live one; then standby again.
final class NodeLoop<State: ReplayableState> {
    private let core: StoreCore
    private let hooks: ReplicaHooks<State>
    private let address: String
    private var machine = RoleMachine()
    /// The session that takes and holds the lease, and commits.
    private var writer: PGConnection?
    /// The session that LISTENs and reads the events and the lease.
    private var follower: PGConnection?
    /// The last record applied to the live state that this node knows the
    /// database holds (a standby's last applied record, the active node's
    /// last committed one), with its history hash: what the database must
    /// still hold for the live state to be exact.
    private var confirmed: HistoryPoint
    /// The records of the active node's last transaction whose outcome is
    /// unknown (applied to the live state, maybe committed), until it rejoins.
    private var unconfirmed: UnconfirmedBatch?
    /// Where a standby last asked for a snapshot.
    private var recordsAtSnapshotRequest: UInt64
    /// A node that was just fenced competes for the lease only after this
    /// (``LeaseClock`` nanoseconds): a healthy standby takes over first,
    /// rather than the node whose session or link just failed.
    private var takeoverNotBefore: UInt64 = 0
    /// Whether the migration mark was logged (once per sighting).
    private var reportedMigrationMark = false
    private var options: PostgresOptions { core.options }

    static var pollInterval: Duration { .milliseconds(200) }
    static var reconnectInterval: Duration { .milliseconds(500) }

    init(core: StoreCore, hooks: ReplicaHooks<State>, address: String, writer: PGConnection?, applied: HistoryPoint) {
        self.core = core
        self.hooks = hooks
        self.address = address
        self.writer = writer
        confirmed = applied
        recordsAtSnapshotRequest = core.lastSnapshotSequence.load(ordering: .relaxed)
    }

    /// The last record applied to the live state.
    private var applied: UInt64 { confirmed.sequence }

    private var timeout: Duration { options.leaseDuration * 4 }

    func run() {
        perform(machine.caughtUp(leader: nil))
        while true {
            if core.isClosing {
                if case .active(let epoch) = machine.state, let writer, !writer.isBroken {
                    core.stopServing()
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
                switch core.runActive(epoch: epoch, start: confirmed, connection: writer) {
                case .lost(let error, let pending, let committed, let inDoubt):
                    options.log("lost the lease of epoch \(epoch): \(error)")
                    confirmed = committed
                    unconfirmed = inDoubt
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
                }
                // A new session may reach another database server (a
                // promoted replica, a restore): each catch-up checks that it
                // still holds what this node applied.
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

    /// The database no longer holds what this node applied: it ends before
    /// it, or its record there ends another history.
    struct Rewound: CustomStringConvertible {
        var applied: UInt64
        var end: UInt64
        var description: String {
            end < applied
                ? "the database ends at event \(end) but this node applied up to \(applied) (restored, or a replica that lacks the last events): rebuilding"
                : "the database's event \(applied) is not the one this node applied (restored to an earlier point and written again, or a replica that lacked the last events): rebuilding"
        }
    }

    /// Applies every record committed after `applied`, a page at a time.
    /// - Returns: nil, or why the database no longer holds what this node applied.
    @discardableResult
    private func catchUp(using connection: PGConnection) throws(StoreError) -> Rewound? {
        let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
        // The table's end and, in the same round trip, whether it still
        // holds the last record applied as this node applied it: each
        // catch-up checks the history it continues.
        let end: UInt64
        let chain: [UInt8]?
        do throws(PostgresError) {
            let row = try connection.query(Schema.endAndChain, [.int64(Int64(applied))], deadline: .now + timeout)
            end = UInt64(max(0, row.integer(0, 0, binary: true) ?? 0))
            chain = applied == 0 ? [] : row.isNull(0, 1) ? nil : row.bytes(0, 1)
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
        core.committedSeen.store(end, ordering: .relaxed)
        if end < applied || chain != confirmed.chain { return Rewound(applied: applied, end: end) }
        while applied < end {
            let page = try reader.page(after: applied, upTo: end)
            let from = confirmed
            var last = from
            try hooks.update { (state) throws(StoreError) in
                last = try EventReader.visit(page, after: from) { (sequence, type, payload) throws(StoreError) in
                    do {
                        try state.apply(recordType: type, payload: payload, sequence: sequence)
                    } catch {
                        throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                    }
                }
            }
            confirmed = last
            core.followed(upTo: applied)
        }
        core.caughtUpAt.store(LeaseClock.nanoseconds(), ordering: .relaxed)
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
        let valid = lease.bool(0, 3) == true
        let holderAlive = lease.bool(0, 4) == true
        if valid && holderAlive {
            perform(machine.leaderSeen(leader.isEmpty ? nil : leader))
            return nil
        }
        perform(machine.leaderSeen(nil))
        if let mark = lease.text(0, 5), !options.continuesUnfinishedMigration {
            if !reportedMigrationMark {
                options.log("standby: not taking the lease: \(PostgresEventStore<State>.unfinishedMigrationMessage(mark, displayName: core.displayName))")
            }
            reportedMigrationMark = true
            return nil
        }
        reportedMigrationMark = false
        guard LeaseClock.nanoseconds() >= takeoverNotBefore else { return nil }
        return takeOver()
    }

    /// One takeover attempt on the writer session: the new epoch, or nil
    /// when another node was quicker (or the database cannot be reached).
    private func takeOver() -> Int64? {
        guard let writer = session(&writer, purpose: "writer") else { return nil }
        let sent = LeaseClock.nanoseconds()
        do throws(PostgresError) {
            writer.discardWarnings()
            let taken = try writer.query(Schema.takeOver, [
                .text(address), .text(options.nodeName), .int64(options.leaseDuration.milliseconds),
                .int64(options.takeoverWindow.milliseconds), .bool(options.continuesUnfinishedMigration),
            ], deadline: .now + timeout)
            guard taken.rowCount == 1, let epoch = taken.integer(0, 0, binary: true) else { return nil }
            if let warning = writer.takeWarnings().first {
                // The takeover may be on the primary only (a cancelled wait
                // for a synchronous standby): end the session, so the lease
                // it may hold passes on once its window is over.
                options.log("taking the lease: PostgreSQL warned: \(warning); giving it up")
                self.writer = nil
                return nil
            }
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
        core.promotions.add(1, ordering: .relaxed)
        options.log("took the lease as epoch \(epoch); serving from sequence \(applied) (advertised as \(address))")
    }

    // MARK: Fenced

    /// Makes the live state equal to the committed events again. Returns
    /// false if the store is closing or the database cannot be reached yet.
    private func recover() -> Bool {
        // A pipelined session cannot run the plain statements below: start afresh.
        self.writer = nil
        while !core.isClosing {
            guard let connection = session(&writer, purpose: "writer") else {
                sleep(Self.reconnectInterval)
                continue
            }
            do throws(StoreError) {
                let appendedUpTo = core.appended.load(ordering: .acquiring)
                if let exact = try committedPoint(upTo: appendedUpTo, using: connection) {
                    confirmed = exact
                } else {
                    let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
                    let end: UInt64
                    do throws(PostgresError) { end = try reader.lastSequence() } catch {
                        throw .unavailable("cannot read the events from PostgreSQL: \(error)")
                    }
                    let request = StateRequest(upTo: end)
                    core.requestState(request)
                    switch request.wait() {
                    case .success(let value):
                        let rebuilt = value as! RebuiltState<State>
                        guard rebuilt.point.sequence <= end else {
                            throw .unavailable("the rebuilt state covers sequence \(rebuilt.point.sequence), beyond the database's end \(end)")
                        }
                        try hooks.update { (state) throws(StoreError) in state = rebuilt.state }
                        options.log("rebuilt the state of the committed events up to sequence \(rebuilt.point.sequence), replacing the live state, which had applied up to \(appendedUpTo) (what the database does not hold as this node applied it is gone from the state)")
                        confirmed = rebuilt.point
                    case .failure(let error):
                        throw error
                    }
                }
                unconfirmed = nil
                core.followed(upTo: applied)
                // Compete only after the holder's window (this node's own,
                // if it was the holder) and a quarter lease more: a healthy
                // standby polling every 200 ms takes over first.
                let now = LeaseClock.nanoseconds()
                let quarter = (options.leaseDuration / 4).nanoseconds
                let lastRenewal = core.lastRenewalSent.load(ordering: .relaxed)
                takeoverNotBefore = max(now + quarter, lastRenewal == 0 ? 0 : lastRenewal + options.takeoverWindow.nanoseconds + quarter)
                return true
            } catch {
                options.log("fenced: cannot rejoin yet: \(error)")
                self.writer = nil
                sleep(Self.reconnectInterval)
            }
        }
        return false
    }

    /// The history point up to which the live state is exactly the
    /// database's, when that is all of it (every record up to
    /// `appended`); nil when the state must be rebuilt. Records appended
    /// after the last confirmed one are in the database only if they are
    /// the failed transaction's, all of them, and its COMMIT went through
    /// after all (the chain the database holds at its end is the one those
    /// records make); records never sent cannot be.
    private func committedPoint(upTo appended: UInt64, using connection: PGConnection) throws(StoreError) -> HistoryPoint? {
        guard try History.holds(confirmed, connection: connection, timeout: timeout) else { return nil }
        if appended == confirmed.sequence { return confirmed }
        guard let batch = unconfirmed, batch.first == confirmed.sequence + 1, batch.last == appended,
              try History.holds(batch, after: confirmed, connection: connection, timeout: timeout),
              let chain = try History.chain(at: appended, connection: connection, timeout: timeout)
        else { return nil }
        return HistoryPoint(sequence: appended, chain: chain)
    }

    private func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
    }
}
