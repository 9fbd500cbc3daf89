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
    private var state: State?
    /// The last sequence applied to `state`, and what that record was.
    private var covered: UInt64 = 0
    private var coveredIdentity: SnapshotFiles.Identity?
    /// The newest valid snapshot on disk.
    private var newest: (name: String?, sequence: UInt64)

    init(core: StoreCore, files: SnapshotFiles, newest: (name: String?, sequence: UInt64)) {
        self.core = core
        self.files = files
        self.newest = newest
    }

    private var options: PostgresOptions { core.options }

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
            var stateResult: Result<Any, StoreError>?
            if !stateRequests.isEmpty {
                do throws(StoreError) {
                    let durable = core.durable.load(ordering: .acquiring)
                    let target = stateRequests.map { $0.upTo ?? durable }.max() ?? durable
                    let current = try catchUp(to: target)
                    stateResult = .success(DurableState(state: current, sequence: covered) as Any)
                } catch {
                    stateResult = .failure(error)
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
            if let stateResult { for request in stateRequests { request.fulfil(stateResult) } }
            if let snapshotResult { for waiter in waiters { waiter(snapshotResult) } }
        }
    }

    private func forget() {
        state = nil
        coveredIdentity = nil
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

    /// Brings the private state up to `target` (committed records only).
    private func catchUp(to target: UInt64) throws(StoreError) -> State {
        var current: State
        if let state {
            current = state
            self.state = nil
        } else if let name = newest.name {
            let (sequence, identity, bytes) = try files.read(name)
            do { current = try State(snapshot: bytes) } catch {
                throw .corrupted(file: name, offset: 0, reason: "the state could not decode it: \(error)")
            }
            covered = sequence
            coveredIdentity = identity
        } else {
            current = State()
            covered = 0
            coveredIdentity = nil
        }
        if covered < target {
            let reader = EventReader(connection: try session(), pageSize: options.readBatchSize, timeout: options.leaseDuration * 4)
            var identity = coveredIdentity
            let databaseID = core.databaseID
            do throws(StoreError) {
                try reader.forEach(after: covered, upTo: target) { (sequence, epoch, type, payload) throws(StoreError) in
                    if core.isStopping { throw StoreCore.closedError }
                    do {
                        try current.apply(recordType: type, payload: payload, sequence: sequence)
                    } catch {
                        throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                    }
                    identity = SnapshotFiles.Identity(
                        databaseID: databaseID, epoch: epoch, recordChecksum: SnapshotFiles.recordChecksum(type: type, payload: payload))
                }
            } catch {
                if case .unavailable = error { connection = nil }
                throw error
            }
            covered = target
            coveredIdentity = identity
        }
        state = current
        return current
    }

    private func build() throws(StoreError) -> SnapshotInfo {
        let clock = ContinuousClock()
        let started = clock.now
        if core.durable.load(ordering: .acquiring) <= newest.sequence {
            return SnapshotInfo(file: newest.name, sequence: newest.sequence, bytes: 0, isNew: false)
        }
        let from = state == nil ? newest.sequence : covered
        let current = try catchUp(to: core.durable.load(ordering: .acquiring))
        guard let identity = coveredIdentity else {
            throw .invalidArgument("nothing to snapshot")
        }
        let (name, bytes) = try files.write(sequence: covered, identity: identity, state: current.encodeSnapshot())
        newest = (name, covered)
        core.snapshotsWritten.add(1, ordering: .relaxed)
        core.lastSnapshotSequence.store(covered, ordering: .relaxed)
        options.log("wrote snapshot \(name): covers sequence \(covered), \(bytes) bytes, \(covered - from) records read from PostgreSQL, in \(clock.now - started)")
        for removed in try files.retain(keep: options.snapshotsToKeep) { options.log("removed old snapshot \(removed)") }
        return SnapshotInfo(file: name, sequence: covered, bytes: bytes, isNew: true)
    }
}
