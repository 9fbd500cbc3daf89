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
        var recovered: UInt64 = 0
        var recoveredEpoch: Int64 = 0
    }

    private init(core: StoreCore, lock: LockFile, fileSystem: any FileSystem, files: SnapshotFiles,
                 newest: (name: String?, sequence: UInt64), connection: PGConnection, recovered: UInt64, recoveredEpoch: Int64) {
        self.core = core
        self.lock = lock
        self.fileSystem = fileSystem
        node = Mutex(NodeStart(connection: connection, recovered: recovered, recoveredEpoch: recoveredEpoch))
        snapshotThread = PosixThread.spawn { SnapshotWorker<State>(core: core, files: files, newest: newest).run() }
    }

    public func start(advertising address: String, hooks: ReplicaHooks<State>) {
        node.withLock { start in
            guard start.thread == nil, !closed.load(ordering: .acquiring) else { return }
            let (core, connection, applied, epoch) = (core, start.connection, start.recovered, start.recoveredEpoch)
            start.connection = nil
            start.thread = PosixThread.spawn {
                NodeLoop<State>(core: core, hooks: hooks, address: address, writer: connection, applied: applied, appliedEpoch: epoch).run()
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
            behind = Double(Monotonic.nanoseconds() &- core.caughtUpAt.load(ordering: .relaxed)) / 1e9
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
        case .success(let value): return value as! DurableState<State>
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

// MARK: Opening

extension PostgresEventStore {
    /// Connects, creates the tables on first use, and rebuilds the state
    /// from this node's newest usable snapshot plus the events after it. It
    /// takes no lease: ``start(advertising:hooks:)`` does.
    ///
    /// - Returns: the store, the recovered state, and what recovery did.
    /// - Throws: ``StoreError/unavailable(_:)`` when the database cannot be reached;
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
            let databaseID = try Self.prepareSchema(connection, timeout: timeout, displayName: displayName)

            let files = SnapshotFiles(directory: directory, fileSystem: fileSystem)
            files.removeTemporaries()
            let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
            let last: UInt64
            do throws(PostgresError) { last = try reader.lastSequence() } catch {
                throw .unavailable("cannot read the events from PostgreSQL: \(error)")
            }
            var report = RecoveryReport()
            report.recordSource = "PostgreSQL"
            var (state, newest) = try Self.loadSnapshot(files: files, reader: reader, databaseID: databaseID, last: last, report: &report, log: options.log)
            var bytesRead: Int64 = 0
            var lastEpoch = try Self.epoch(of: newest.sequence, reader: reader)
            try reader.forEach(after: newest.sequence, upTo: last) { (sequence, epoch, type, payload) throws(StoreError) in
                lastEpoch = epoch
                do {
                    try state.apply(recordType: type, payload: payload, sequence: sequence)
                } catch {
                    throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                }
                bytesRead += Int64(payload.count)
            }
            report.recordsReplayed = last - newest.sequence
            report.bytesRead += bytesRead
            report.lastSequence = last
            report.duration = clock.now - started
            options.log(report.description)
            FreeMemory.release()
            let core = StoreCore(options: options, displayName: displayName, databaseID: databaseID, lastSequence: last, snapshotSequence: newest.sequence)
            let store = PostgresEventStore(
                core: core, lock: lock, fileSystem: fileSystem, files: files, newest: newest, connection: connection, recovered: last,
                recoveredEpoch: lastEpoch)
            return (store, state, report)
        } catch {
            lock.release(fileSystem: fileSystem)
            throw error
        }
    }

    /// Creates the tables and the function when they are missing (serialised
    /// between nodes by an advisory lock) and checks the format.
    /// - Returns: the database's identity.
    static func prepareSchema(_ connection: PGConnection, timeout: Duration, displayName: String) throws(StoreError) -> String {
        do throws(PostgresError) {
            let exists = try connection.query(Schema.exists, deadline: .now + timeout)
            let present = exists.withBytes(0, 0) { $0.first == 1 } && exists.withBytes(0, 1) { $0.first == 1 }
            if !present {
                try connection.execute(script: Schema.create, deadline: .now + timeout)
            }
            let meta = try connection.query(Schema.meta, deadline: .now + timeout)
            guard meta.rowCount == 1, let format = meta.integer(0, 0, binary: true), let id = meta.text(0, 1) else {
                throw PostgresError(.statement, "consent_meta holds no row")
            }
            guard format == Schema.format else {
                throw PostgresError(.statement, "the tables are in format \(format); this consentd reads format \(Schema.format)")
            }
            return id
        } catch {
            throw .unavailable("cannot use the ConsentHub tables in \(displayName): \(error)")
        }
    }

    /// The newest snapshot that belongs to this database's history, decoded;
    /// or the empty state. Skipped snapshots are logged and listed in `report`.
    static func loadSnapshot(
        files: SnapshotFiles, reader: EventReader, databaseID: String, last: UInt64, report: inout RecoveryReport,
        log: @Sendable (String) -> Void
    ) throws(StoreError) -> (State, (name: String?, sequence: UInt64)) {
        for candidate in try files.list().reversed() {
            let skip: String
            do throws(StoreError) {
                let (sequence, identity, bytes) = try files.read(candidate.name)
                if identity.databaseID != databaseID {
                    skip = "it belongs to another database (\(identity.databaseID))"
                } else if sequence > last {
                    skip = "it covers sequence \(sequence) but the database ends at \(last) (restored from an older backup?)"
                } else if let mismatch = try Self.recordMismatch(reader: reader, sequence: sequence, identity: identity) {
                    skip = mismatch
                } else {
                    do {
                        let state = try State(snapshot: bytes)
                        report.snapshotFile = candidate.name
                        report.snapshotSequence = sequence
                        report.bytesRead += Int64(bytes.count)
                        return (state, (candidate.name, sequence))
                    } catch {
                        skip = "the state could not decode it: \(error)"
                        files.setAside(candidate.name)
                    }
                }
            } catch {
                if case .corrupted = error { files.setAside(candidate.name) }
                skip = "\(error)"
            }
            log("skipping snapshot \(candidate.name): \(skip); falling back to an older snapshot or a full replay")
            report.skippedSnapshots.append("\(candidate.name): \(skip)")
        }
        return (State(), (nil, 0))
    }

    /// The epoch record `sequence` was written under (0 for sequence 0 or a missing record).
    static func epoch(of sequence: UInt64, reader: EventReader) throws(StoreError) -> Int64 {
        guard sequence > 0 else { return 0 }
        do throws(PostgresError) {
            let row = try reader.connection.query(Schema.record, [.int64(Int64(sequence))], deadline: .now + reader.timeout)
            return row.rowCount == 1 ? row.integer(0, 0, binary: true) ?? 0 : 0
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
    }

    /// Why the record a snapshot ends with is not the database's, or nil when it is.
    private static func recordMismatch(reader: EventReader, sequence: UInt64, identity: SnapshotFiles.Identity) throws(StoreError) -> String? {
        let row: PGResult
        do throws(PostgresError) {
            row = try reader.connection.query(Schema.record, [.int64(Int64(sequence))], deadline: .now + reader.timeout)
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
        guard row.rowCount == 1 else { return "the database has no record \(sequence)" }
        let epoch = row.integer(0, 0, binary: true)
        let type = row.integer(0, 1, binary: true).map { UInt8(truncatingIfNeeded: $0) } ?? 0
        let checksum = row.withBytes(0, 2) { SnapshotFiles.recordChecksum(type: type, payload: $0) }
        if epoch != identity.epoch || checksum != identity.recordChecksum {
            return "record \(sequence) in the database is not the one it was built from (a different history)"
        }
        return nil
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
