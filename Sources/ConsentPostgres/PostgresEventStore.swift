#if canImport(Glibc)
import Glibc
#endif
import ConsentStore
import Synchronization

/// The hub's events in PostgreSQL: the second ``EventStore``, for
/// deployments beyond one machine, shared by several nodes of which one
/// writes at a time (docs/STORAGE.md, "The PostgreSQL store").
///
/// Records go into `consent_events` in sequence, with the embedded log's
/// group commit: the active node's writer commits everything appended since
/// its last transaction in one transaction, and an append's completion runs
/// only after the `COMMIT` carrying its records returned. Every write
/// transaction proves, inside the transaction, that this node still holds
/// the lease (its epoch), so a node that lost it can never commit again.
/// The other nodes follow the committed events (LISTEN/NOTIFY and reading by
/// sequence) and take the lease over when the active node is gone.
/// Snapshots are files in the node's snapshot directory, built in the
/// background from the committed events.
///
/// - Important: call ``start(advertising:hooks:)`` to follow and compete for
///   the lease, and ``close()``: it commits what was appended, gives the
///   lease up so another node takes over at once, and releases the
///   snapshot directory.
public final class PostgresEventStore<State: ReplayableState>: SharedEventStore {
    let core: StoreCore
    private let lock: LockFile
    private let fileSystem: any FileSystem
    private let snapshotThread: PosixThread
    private let node: Mutex<NodeStart>
    private let closed = Atomic<Bool>(false)

    /// The node thread (once started) and the session `open` made, which it inherits.
    private struct NodeStart: @unchecked Sendable {  // the connection moves to the node thread once
        var thread: PosixThread?
        var connection: PGConnection?
        var recovered: HistoryPoint
    }

    /// The mark of an unfinished `consentd migrate` found at open (only a
    /// store opened with ``PostgresOptions/continuesUnfinishedMigration`` gets this far with one).
    public let unfinishedMigration: String?

    private init(core: StoreCore, lock: LockFile, fileSystem: any FileSystem, files: SnapshotFiles,
                 newest: (name: String?, sequence: UInt64), connection: PGConnection, recovered: HistoryPoint, unfinishedMigration: String?) {
        self.core = core
        self.lock = lock
        self.fileSystem = fileSystem
        self.unfinishedMigration = unfinishedMigration
        node = Mutex(NodeStart(connection: connection, recovered: recovered))
        snapshotThread = PosixThread.spawn { SnapshotWorker<State>(core: core, files: files, newest: newest).run() }
    }

    public func start(advertising address: String, hooks: ReplicaHooks<State>) {
        node.withLock { start in
            guard start.thread == nil, !closed.load(ordering: .acquiring) else { return }
            let (core, connection, recovered) = (core, start.connection, start.recovered)
            start.connection = nil
            start.thread = PosixThread.spawn {
                NodeLoop<State>(core: core, hooks: hooks, address: address, writer: connection, applied: recovered).run()
            }
        }
    }

    public var role: NodeRole { core.role.withLock { $0 } }

    public var mayServe: Bool { core.mayServe }

    public var replicaStatistics: ReplicaStatistics {
        let role = self.role
        let applied = durableSequence
        let committed = max(core.committedSeen.load(ordering: .relaxed), applied)
        let behind: Double
        if role.isActive || committed <= applied {
            behind = 0
        } else {
            behind = Double(LeaseClock.nanoseconds() &- core.caughtUpAt.load(ordering: .relaxed)) / 1e9
        }
        return ReplicaStatistics(
            role: role, committedSequence: committed, appliedSequence: applied, secondsBehind: behind,
            promotions: core.promotions.load(ordering: .relaxed))
    }

    deinit { close() }

    public var storeDescription: String { "PostgreSQL \(core.displayName)" }
    public var maxPayloadSize: Int { core.options.maxPayloadSize }
    public var appendedSequence: UInt64 { core.appended.load(ordering: .acquiring) }
    public var durableSequence: UInt64 { core.durable.load(ordering: .acquiring) }

    public var statistics: LogStatistics {
        LogStatistics(
            appendedSequence: appendedSequence, durableSequence: durableSequence,
            syncs: core.commits.load(ordering: .relaxed), batches: core.commits.load(ordering: .relaxed),
            recordsWritten: core.recordsWritten.load(ordering: .relaxed), bytesWritten: core.bytesWritten.load(ordering: .relaxed),
            snapshotsWritten: core.snapshotsWritten.load(ordering: .relaxed),
            lastSnapshotSequence: core.lastSnapshotSequence.load(ordering: .relaxed), hasFailed: core.hasFailed)
    }

    /// Appends records (see ``EventStore/append(_:completion:)``): copied
    /// into the pending arrays under one short lock; the writer commits them.
    @discardableResult
    public func append<C: Collection>(_ records: C, completion: @escaping AppendCompletion) -> UInt64
    where C.Element == (UInt8, [UInt8]) {
        var bytes = 0
        let limit = core.options.maxPayloadSize
        for (_, payload) in records {
            guard payload.count <= limit else {
                completion(.failure(.invalidArgument("a record payload of \(payload.count) bytes exceeds the maximum of \(limit)")))
                return appendedSequence
            }
            bytes += 4 + payload.count
        }
        if records.isEmpty {
            let sequence = appendedSequence
            core.whenDurable(sequence) { completion($0.map { sequence }) }
            return sequence
        }
        return core.enqueue(records, byteCount: bytes, completion: completion)
    }

    public func whenDurable(_ sequence: UInt64, _ callback: @escaping DurableCallback) {
        core.whenDurable(sequence, callback)
    }

    public func requestSnapshot(completion: @escaping @Sendable (Result<SnapshotInfo, StoreError>) -> Void) {
        core.requestSnapshot(completion)
    }

    public func snapshotNow() throws(StoreError) -> SnapshotInfo {
        let box = Mutex<Result<SnapshotInfo, StoreError>?>(nil)
        let request = StateRequest()
        core.requestSnapshot { result in
            box.withLock { $0 = result }
            request.fulfil(.success(()))
        }
        _ = request.wait()
        return try box.withLock { $0 }!.get()
    }

    /// The state of the committed records: the snapshot thread's copy (or
    /// the newest snapshot) brought up to the committed end by reading the
    /// events back from the database.
    public func durableState() throws(StoreError) -> DurableState<State> {
        guard !snapshotThread.isCurrent else {
            throw .invalidArgument("durableState() cannot be called on the snapshot thread, which does the work")
        }
        let request = StateRequest()
        core.requestState(request)
        switch request.wait() {
        case .success(let value):
            let rebuilt = value as! RebuiltState<State>
            return DurableState(state: rebuilt.state, sequence: rebuilt.point.sequence)
        case .failure(let error): throw error
        }
    }

    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let (core, lock, fileSystem, snapshotter) = (core, lock, fileSystem, snapshotThread)
        let writer = node.withLock { start in
            defer { start.connection = nil }
            return start.thread
        }
        let shutDown: @Sendable () -> Void = {
            core.stopWriter()
            writer?.join()
            core.failRemainingWaiters()
            core.stopSnapshots()
            snapshotter.join()
            lock.release(fileSystem: fileSystem)
        }
        if writer?.isCurrent == true || snapshotThread.isCurrent {
            PosixThread.spawn(shutDown).detach()
        } else {
            shutDown()
        }
    }
}

// MARK: Migration mark (consentd migrate)

extension PostgresEventStore {
    /// Marks the database as being migrated (`consent_meta.migrating =
    /// note`) while this node holds the lease: from then on no node opens
    /// it, none takes its lease, and `--verify-data` calls it damaged,
    /// until ``finishMigration(options:)`` clears the mark after the copy
    /// was verified. A crashed migration so leaves a database nobody serves.
    /// - Throws: ``StoreError/unavailable(_:)`` when this node does not hold
    ///   the lease or the database cannot be reached.
    public func beginMigration(note: String) throws(StoreError) {
        guard case .active(let epoch) = role else { throw .unavailable("only the node holding the lease may mark the database") }
        let connection = try Self.connect(core.options, purpose: "migrate", displayName: core.displayName)
        do throws(PostgresError) {
            let marked = try connection.query(Schema.markMigrating, [.text(note), .int64(epoch)], deadline: .now + core.options.leaseDuration)
            guard marked.rowCount == 1 else { throw PostgresError(.fenced, "the lease of epoch \(epoch) was taken over") }
        } catch {
            throw .unavailable("cannot mark \(core.displayName) as being migrated: \(error)")
        }
    }

    /// Clears the migration mark: the copy is complete and verified.
    public static func finishMigration(options: PostgresOptions) throws(StoreError) {
        let displayName: String
        switch PGConnection.describe(options.connection) {
        case .success(let text): displayName = text
        case .failure(let error): throw .invalidArgument(error.message)
        }
        let connection = try connect(options, purpose: "migrate", displayName: displayName)
        do throws(PostgresError) {
            try connection.query(Schema.clearMigrating, deadline: .now + options.leaseDuration * 4)
        } catch {
            throw .unavailable("cannot clear the migration mark of \(displayName): \(error)")
        }
    }

    private static func connect(_ options: PostgresOptions, purpose: String, displayName: String) throws(StoreError) -> PGConnection {
        do throws(PostgresError) {
            return try PGConnection(conninfo: options.connection, applicationName: "consentd \(options.nodeName) \(purpose)")
        } catch {
            throw .unavailable("\(error) (\(displayName))")
        }
    }
}

// MARK: Opening

extension PostgresEventStore {
    /// Connects, creates the tables on first use (or upgrades them from an
    /// older format), and rebuilds the state from this node's newest usable
    /// snapshot plus the events after it. It takes no lease:
    /// ``start(advertising:hooks:)`` does.
    ///
    /// - Returns: the store, the recovered state, and what recovery did.
    /// - Throws: ``StoreError/unavailable(_:)`` when the database cannot be reached;
    ///   ``StoreError/invalidArgument(_:)`` for a connection string that does
    ///   not parse, tables of an unknown format, or a database that an
    ///   unfinished `consentd migrate` left behind;
    ///   ``StoreError/directoryInUse(directory:pid:)`` when another process
    ///   uses the snapshot directory; ``StoreError/corrupted(file:offset:reason:)``
    ///   for a gap in the events; ``StoreError/replayFailed(file:sequence:reason:)``
    ///   when the state rejects one.
    /// - Important: call ``close()`` when done.
    public static func open(
        options original: PostgresOptions, fileSystem: any FileSystem = POSIXFileSystem()
    ) throws(StoreError) -> (store: PostgresEventStore<State>, state: State, report: RecoveryReport) {
        var options = original
        if options.nodeName.isEmpty { options.nodeName = Self.defaultNodeName() }
        let clock = ContinuousClock()
        let started = clock.now
        let displayName: String
        switch PGConnection.describe(options.connection) {
        case .success(let text): displayName = text
        case .failure(let error): throw .invalidArgument(error.message)
        }
        let directory = options.snapshotDirectory
        do throws(FileSystemError) {
            try fileSystem.mkdir(directory)
        } catch where error.errno == EEXIST {
        } catch { throw .io(error) }
        let lock = try LockFile.acquire(directory: directory, fileSystem: fileSystem)
        do throws(StoreError) {
            let connection: PGConnection
            do throws(PostgresError) {
                connection = try PGConnection(conninfo: options.connection, applicationName: "consentd \(options.nodeName) writer")
            } catch {
                throw .unavailable("\(error) (\(displayName))")
            }
            let timeout = options.leaseDuration * 4
            let meta = try Self.prepareSchema(connection, timeout: timeout, displayName: displayName, log: options.log)
            if let mark = meta.migrating, !options.continuesUnfinishedMigration {
                throw .invalidArgument(Self.unfinishedMigrationMessage(mark, displayName: displayName))
            }

            let files = SnapshotFiles(directory: directory, fileSystem: fileSystem)
            files.removeTemporaries()
            let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
            let last: UInt64
            do throws(PostgresError) { last = try reader.lastSequence() } catch {
                throw .unavailable("cannot read the events from PostgreSQL: \(error)")
            }
            var report = RecoveryReport()
            report.recordSource = "PostgreSQL"
            // Applied to in place: a copy of a large state would be held twice.
            var loaded: (state: State, point: HistoryPoint, name: String?) = try files.newestUsable(
                databaseID: meta.databaseID, end: last, connection: connection, timeout: timeout, report: &report, log: options.log)
            let (from, name) = (loaded.point, loaded.name)
            var bytesRead: Int64 = 0
            let recovered = try reader.forEach(after: from, upTo: last) { (sequence, type, payload) throws(StoreError) in
                do {
                    try loaded.state.apply(recordType: type, payload: payload, sequence: sequence)
                } catch {
                    throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                }
                bytesRead += Int64(payload.count)
            }
            report.recordsReplayed = last - from.sequence
            report.recordBytesReplayed = bytesRead
            report.bytesRead += bytesRead
            report.lastSequence = last
            report.duration = clock.now - started
            var newest: (name: String?, sequence: UInt64) = (name, from.sequence)
            if options.snapshotAtOpen, recovered.sequence > from.sequence, let reason = SnapshotAtOpen.reason(
                report, everyRecords: options.snapshotEveryRecords, everyBytes: nil, minimumBytes: options.snapshotAtOpenMinimumBytes) {
                if let written = Self.writeSnapshotAtOpen(
                    loaded.state, at: recovered, reason: reason, files: files, keep: options.snapshotsToKeep,
                    databaseID: meta.databaseID, report: &report, log: options.log) {
                    newest = written
                }
            }
            options.log(report.description)
            FreeMemory.release()
            let core = StoreCore(options: options, displayName: displayName, databaseID: meta.databaseID, lastSequence: last, snapshotSequence: newest.sequence)
            let store = PostgresEventStore(
                core: core, lock: lock, fileSystem: fileSystem, files: files, newest: newest, connection: connection,
                recovered: recovered, unfinishedMigration: meta.migrating)
            return (store, loaded.state, report)
        } catch {
            lock.release(fileSystem: fileSystem)
            throw error
        }
    }

    /// What `consent_meta` says.
    struct Meta {
        var databaseID: String
        /// The mark of a `consentd migrate` that has not finished (or is running).
        var migrating: String?
    }

    /// Creates the tables and the functions when they are missing, upgrades
    /// tables of format 1 (both serialised between nodes by an advisory
    /// lock), and checks the format.
    static func prepareSchema(
        _ connection: PGConnection, timeout: Duration, displayName: String, log: @Sendable (String) -> Void
    ) throws(StoreError) -> Meta {
        do throws(PostgresError) {
            let exists = try connection.query(Schema.exists, deadline: .now + timeout)
            let present = exists.withBytes(0, 0) { $0.first == 1 } && exists.withBytes(0, 1) { $0.first == 1 }
            if !present {
                try connection.execute(script: Schema.create, deadline: .now + timeout)
            }
            let found = try connection.query(Schema.formatOnly, deadline: .now + timeout)
            guard found.rowCount == 1, let format = found.integer(0, 0, binary: true) else {
                throw PostgresError(.statement, "consent_meta holds no row")
            }
            if format == 1 {
                try upgradeFromFormat1(connection, displayName: displayName, log: log)
            } else if format != Schema.format {
                throw PostgresError(.statement, "the tables are in format \(format); this consentd reads format \(Schema.format) (and upgrades format 1)")
            }
            let meta = try connection.query(Schema.meta, deadline: .now + timeout)
            guard meta.rowCount == 1, let id = meta.text(0, 1) else { throw PostgresError(.statement, "consent_meta holds no database id") }
            return Meta(databaseID: id, migrating: meta.text(0, 2))
        } catch {
            throw .unavailable("cannot use the ConsentHub tables in \(displayName): \(error)")
        }
    }

    /// Writes a snapshot of the state recovery rebuilt, before the node
    /// serves, so the next start (however soon) begins from it
    /// (``PostgresOptions/snapshotAtOpen``, `SnapshotAtOpen`). A failure is
    /// logged and changes nothing else.
    /// - Parameter point: the last record replayed and its history hash,
    ///   which the snapshot carries as its identity.
    /// - Returns: the snapshot written, or nil.
    static func writeSnapshotAtOpen(
        _ state: State, at point: HistoryPoint, reason: String, files: SnapshotFiles, keep: Int, databaseID: String,
        report: inout RecoveryReport, log: @Sendable (String) -> Void
    ) -> (name: String?, sequence: UInt64)? {
        let clock = ContinuousClock()
        let started = clock.now
        do throws(StoreError) {
            let identity = SnapshotFiles.Identity(databaseID: databaseID, chain: point.chain)
            let (name, bytes) = try files.write(sequence: point.sequence, identity: identity, state: state.encodeSnapshot())
            report.snapshotWrittenAtOpen = (name, bytes, reason, clock.now - started)
            for removed in (try? files.retain(keep: keep)) ?? [] { log("removed old snapshot \(removed)") }
            return (name, point.sequence)
        } catch {
            log("could not write a snapshot at start (the store is not affected): \(error)")
            return nil
        }
    }

    /// Format 1 → 2 in one transaction that holds every table (docs/OPERATIONS.md,
    /// "Upgrading"); a node that finds it done meanwhile by another does nothing.
    private static func upgradeFromFormat1(
        _ connection: PGConnection, displayName: String, log: @Sendable (String) -> Void
    ) throws(PostgresError) {
        // Hashing every event once takes its time on a long history: no
        // deadline but the session's keepalives.
        let patient = ContinuousClock.now + .seconds(24 * 3600)
        let started = ContinuousClock.now
        do throws(PostgresError) {
            try connection.execute(script: Schema.lockForUpgrade, deadline: patient)
            guard try connection.query(Schema.formatOnly, deadline: patient).integer(0, 0, binary: true) == 1 else {
                try connection.execute(script: "COMMIT", deadline: patient)
                return
            }
            let events = try connection.query(Schema.lastSequence, deadline: patient).integer(0, 0, binary: true) ?? 0
            log("upgrading the tables in \(displayName) from format 1 to \(Schema.format): the history hash of \(events) events, the migration mark, the serving window")
            try connection.execute(script: Schema.upgradeFromFormat1, deadline: patient)
            log("upgraded the tables to format \(Schema.format) in \(ContinuousClock.now - started); consentd nodes of older versions can no longer write to them")
        } catch {
            if !connection.isBroken { _ = try? connection.execute(script: "ROLLBACK", deadline: .now + .seconds(5)) }
            throw error
        }
    }

    static func unfinishedMigrationMessage(_ mark: String, displayName: String) -> String {
        "the database \(displayName) is marked as being migrated (\(mark)): that consentd migrate has not finished, so its events may be incomplete and no node serves them. Run the same consentd migrate again (it continues where the copy stopped and verifies the whole copy); only it clears the mark"
    }

    /// `host:pid`, and `#n` for the n-th store of the same process (tests run several nodes in one).
    static func defaultNodeName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let ordinal = storesOpened.add(1, ordering: .relaxed).newValue
        return "\(host.isEmpty ? "localhost" : host):\(getpid())" + (ordinal > 1 ? "#\(ordinal)" : "")
    }
}

/// Stores opened in this process, for unique default node names.
private let storesOpened = Atomic<Int>(0)
