import Synchronization

/// A durable, append-only log of `(type, payload)` records with group commit,
/// crash recovery and background snapshots of a ``ReplayableState``.
///
/// Open it with ``open(directory:options:fileSystem:)``, which also rebuilds
/// the state. Then ``append(_:completion:)`` records in the order the caller
/// applied them; each append gets consecutive sequence numbers (LSNs, from 1,
/// without gaps) at once, and its completion runs on the writer thread once the
/// records are on stable storage. See docs/STORAGE.md for the format and the
/// guarantees.
///
/// - Important: call ``close()`` to flush pending appends and release the
///   directory lock (dropping the last reference does the same, but a
///   server should close explicitly).
public final class EventLog<State: ReplayableState>: Sendable {
    let core: LogCore
    private let lock: LockFile
    private let writerThread: PosixThread
    let snapshotThread: PosixThread
    private let closed = Atomic<Bool>(false)

    init(core: LogCore, lock: LockFile, writer: LogCore.WriterContext, snapshotBase: SnapshotBase) {
        self.core = core
        self.lock = lock
        self.writerThread = PosixThread.spawn { core.runWriter(writer) }
        self.snapshotThread = PosixThread.spawn { SnapshotWorker<State>(core: core, base: snapshotBase).run() }
    }

    deinit { close() }

    /// The data directory.
    public var directory: String { core.directory }

    /// The last sequence number assigned by `append` (without blocking).
    public var appendedSequence: UInt64 { core.appended.load(ordering: .acquiring) }

    /// The last sequence number on stable storage (without blocking). Every
    /// record up to it survives a crash or power loss.
    public var durableSequence: UInt64 { core.durable.load(ordering: .acquiring) }

    /// Counters: syncs, batches, records and bytes written, snapshots.
    public var statistics: LogStatistics {
        LogStatistics(
            appendedSequence: appendedSequence,
            durableSequence: durableSequence,
            syncs: core.syncs.load(ordering: .relaxed),
            batches: core.batches.load(ordering: .relaxed),
            recordsWritten: core.recordsWritten.load(ordering: .relaxed),
            bytesWritten: core.bytesWritten.load(ordering: .relaxed),
            snapshotsWritten: core.snapshotsWritten.load(ordering: .relaxed),
            lastSnapshotSequence: core.lastSnapshotSequence.load(ordering: .relaxed),
            hasFailed: core.shared.withLock { $0.failure != nil },
            delayedBatches: core.delayedBatches.load(ordering: .relaxed)
        )
    }

    /// Writes and syncs everything already appended, stops the writer and the
    /// snapshotter (a snapshot under way is abandoned), and releases the
    /// directory lock. Later appends fail with ``StoreError/unavailable(_:)``.
    /// Blocks until done; calling it again does nothing.
    ///
    /// Called on the writer or snapshot thread (from a completion, or by
    /// dropping the last reference there), it cannot wait for that thread: it
    /// returns at once and the close finishes on a thread of its own.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if writerThread.isCurrent || snapshotThread.isCurrent {
            let (core, lock, writer, snapshotter) = (core, lock, writerThread, snapshotThread)
            PosixThread.spawn { Self.shutDown(core: core, lock: lock, writer: writer, snapshotter: snapshotter) }.detach()
            return
        }
        Self.shutDown(core: core, lock: lock, writer: writerThread, snapshotter: snapshotThread)
    }

    private static func shutDown(core: LogCore, lock: LockFile, writer: PosixThread, snapshotter: PosixThread) {
        core.stopWriter()
        writer.join()
        core.failRemainingWaiters()
        core.stopSnapshots()
        snapshotter.join()
        lock.release(fileSystem: core.fileSystem)
    }
}

/// The snapshot that recovery loaded, where the snapshotter starts from.
struct SnapshotBase: Sendable {
    var file: String?
    var sequence: UInt64
}
