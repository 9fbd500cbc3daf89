import ConsentStore

/// The snapshot thread of a PostgreSQL store. Like the embedded log's, it
/// owns a private instance of the state and never sees the caller's live
/// one: it brings its copy up to the committed end by reading the events
/// back from the database (over a session of its own), and writes the
/// snapshot into the node's snapshot directory.
final class SnapshotWorker<State: ReplayableState> {
    private let core: StoreCore
    private let files: SnapshotFiles
    private var connection: PGConnection?
    /// The private state (kept between requests when
    /// `keepSnapshotStateInMemory`), and the history point it covers.
    private var state: State?
    private var covered = HistoryPoint.origin
    /// The newest snapshot on disk this thread started from or wrote.
    private var newest: (name: String?, sequence: UInt64)
    /// Records the last catch-up read (for the log).
    private var recordsRead: UInt64 = 0

    init(core: StoreCore, files: SnapshotFiles, newest: (name: String?, sequence: UInt64)) {
        self.core = core
        self.files = files
        self.newest = newest
    }

    private var options: PostgresOptions { core.options }
    private var timeout: Duration { options.leaseDuration * 4 }

    func run() {
        while true {
            core.snapshotWake.wait()
            let (stopping, snapshotWanted, waiters, stateRequests) = core.snapshots.withLock { s in
                defer {
                    s.waiters.removeAll()
                    s.stateRequests.removeAll()
                    s.wakePending = false
                    s.snapshotWanted = false
                }
                return (s.stopping, s.snapshotWanted, s.waiters, s.stateRequests)
            }
            if stopping {
                for waiter in waiters { waiter(.failure(StoreCore.closedError)) }
                for request in stateRequests { request.fulfil(.failure(StoreCore.closedError)) }
                return
            }
            // Each request gets the state of exactly the sequence it asked
            // for (a fenced node asks for the database's end, which may be
            // before what this thread or the store last saw): the lowest
            // first, as the state only moves forward.
            let durable = core.durable.load(ordering: .acquiring)
            let targets = Set(stateRequests.map { $0.upTo ?? durable }).sorted()
            var results: [UInt64: Result<Any, StoreError>] = [:]
            for target in targets {
                do throws(StoreError) {
                    let current = try catchUp(to: target)
                    results[target] = .success(RebuiltState(state: current, point: covered) as Any)
                } catch {
                    results[target] = .failure(error)
                    if !core.isStopping { options.log("rebuilding the durable state failed: \(error)") }
                    forget()
                }
            }
            var snapshotResult: Result<SnapshotInfo, StoreError>?
            if snapshotWanted {
                do throws(StoreError) {
                    snapshotResult = .success(try build())
                } catch {
                    snapshotResult = .failure(error)
                    if !core.isStopping { options.log("snapshot failed (the store is not affected): \(error)") }
                    forget()
                }
            }
            if !options.keepSnapshotStateInMemory { forget() }
            FreeMemory.release()
            for request in stateRequests { request.fulfil(results[request.upTo ?? durable]!) }
            if let snapshotResult { for waiter in waiters { waiter(snapshotResult) } }
        }
    }

    private func forget() {
        state = nil
        covered = .origin
    }

    private func session() throws(StoreError) -> PGConnection {
        if let connection, !connection.isBroken { return connection }
        do throws(PostgresError) {
            let fresh = try PGConnection(conninfo: options.connection, applicationName: "consentd \(options.nodeName) snapshots")
            connection = fresh
            return fresh
        } catch {
            connection = nil
            throw .unavailable("cannot read the events back from PostgreSQL: \(error)")
        }
    }

    /// Brings the private state to exactly `target` (committed records
    /// only). It starts from the kept state, or else the newest usable
    /// snapshot, only if that covers no more than `target` and the
    /// database still holds the history it covers (the history hash at its
    /// sequence): after a restore or a promoted replica the kept state and
    /// the newest snapshots may stand for a history the database no longer
    /// has, and a state built on them would be neither.
    private func catchUp(to target: UInt64) throws(StoreError) -> State {
        do throws(StoreError) {
            let connection = try session()
            var current: State
            if let kept = state, covered.sequence <= target, try History.holds(covered, connection: connection, timeout: timeout) {
                current = kept
                state = nil
            } else {
                if state != nil {
                    options.log("the snapshot thread's state (sequence \(covered.sequence)) is not the database's history up to \(target) (it went back in time, or the state is ahead of what is wanted): starting again from a snapshot or the first event")
                }
                forget()
                var report = RecoveryReport()
                let loaded: (state: State, point: HistoryPoint, name: String?) = try files.newestUsable(
                    databaseID: core.databaseID, end: target, connection: connection, timeout: timeout, report: &report, log: options.log)
                current = loaded.state
                covered = loaded.point
                newest = (loaded.name, loaded.point.sequence)
            }
            recordsRead = target - covered.sequence
            if covered.sequence < target {
                let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
                covered = try reader.forEach(after: covered, upTo: target) { (sequence, type, payload) throws(StoreError) in
                    if core.isStopping { throw StoreCore.closedError }
                    do {
                        try current.apply(recordType: type, payload: payload, sequence: sequence)
                    } catch {
                        throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                    }
                }
            }
            state = current
            return current
        } catch {
            if case .unavailable = error { connection = nil }
            throw error
        }
    }

    private func build() throws(StoreError) -> SnapshotInfo {
        let clock = ContinuousClock()
        let started = clock.now
        let durable = core.durable.load(ordering: .acquiring)
        if durable <= newest.sequence {
            return SnapshotInfo(file: newest.name, sequence: newest.sequence, bytes: 0, isNew: false)
        }
        let current = try catchUp(to: durable)
        guard covered.sequence > 0 else { throw .invalidArgument("nothing to snapshot") }
        let identity = SnapshotFiles.Identity(databaseID: core.databaseID, chain: covered.chain)
        let (name, bytes) = try files.write(sequence: covered.sequence, identity: identity, state: current.encodeSnapshot())
        newest = (name, covered.sequence)
        core.snapshotsWritten.add(1, ordering: .relaxed)
        core.lastSnapshotSequence.store(covered.sequence, ordering: .relaxed)
        options.log("wrote snapshot \(name): covers sequence \(covered.sequence), \(bytes) bytes, \(recordsRead) records read from PostgreSQL, in \(clock.now - started)")
        for removed in try files.retain(keep: options.snapshotsToKeep) { options.log("removed old snapshot \(removed)") }
        return SnapshotInfo(file: name, sequence: covered.sequence, bytes: bytes, isNew: true)
    }
}

/// What the snapshot thread hands a caller that asked for a state: the
/// state of the committed records up to `point`.
struct RebuiltState<State: ReplayableState> {
    var state: State
    var point: HistoryPoint
}
