#if canImport(Glibc)
import Glibc
#endif

extension EventLog {
    /// Opens (or creates) a data directory, locks it, and rebuilds the state.
    ///
    /// Loads the newest valid snapshot (a damaged one is skipped with a log
    /// line), replays every record after it, cuts a torn tail off the last
    /// segment, syncs what it recovered, and starts the writer and snapshot
    /// threads.
    ///
    /// - Parameters:
    ///   - directory: the data directory; created if missing and
    ///     ``LogOptions/createDirectory`` is set.
    ///   - options: segment size, snapshot policy, retention, log sink.
    ///   - fileSystem: the syscall layer (``POSIXFileSystem`` unless testing).
    /// - Returns: the log, the recovered state, and what recovery did.
    /// - Throws: ``StoreError/directoryInUse(directory:pid:)`` if another
    ///   process holds the directory; ``StoreError/corrupted(file:offset:reason:)``
    ///   naming the file and byte offset of damage a crash cannot explain;
    ///   ``StoreError/replayFailed(file:sequence:reason:)`` if the state rejects
    ///   a record; ``StoreError/io(_:)`` for failed file calls.
    /// - Important: call ``close()`` when done.
    public static func open(
        directory: String,
        options: LogOptions = LogOptions(),
        fileSystem: any FileSystem = POSIXFileSystem()
    ) throws(StoreError) -> (log: EventLog<State>, state: State, report: RecoveryReport) {
        let directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        if options.createDirectory {
            do throws(FileSystemError) {
                try fileSystem.mkdir(directory)
                // The new directory's entry lives in its parent: sync that too,
                // or a power loss could take the whole log with it.
                let parent = directory.lastIndex(of: "/").map { String(directory[..<$0]) } ?? "."
                try fileSystem.syncDirectory(parent.isEmpty ? "/" : parent)
            } catch where error.errno == EEXIST {
            } catch { throw .io(error) }
        }
        let lock = try LockFile.acquire(directory: directory, fileSystem: fileSystem)
        var recovery = Recovery<State>(directory: directory, fileSystem: fileSystem, options: options)
        let state: State
        let layout: Recovery<State>.Layout
        do throws(StoreError) {
            (state, layout) = try recovery.run()
        } catch {
            lock.release(fileSystem: fileSystem)
            throw error
        }
        let report = recovery.report
        options.log(report.description)
        // A replay grows the state's tables by doubling and reads whole
        // segments into buffers: return what that left free to the kernel.
        FreeMemory.release()
        let core = LogCore(
            directory: directory, fileSystem: fileSystem, options: options,
            lastSequence: report.lastSequence, segments: layout.segments,
            durableEnd: (layout.activeSegment, layout.activeSize), snapshotSequence: layout.base.sequence
        )
        let writer = LogCore.WriterContext(
            file: layout.active, segment: layout.activeSegment, size: layout.activeSize, lastDurable: report.lastSequence,
            zeroedEnd: layout.activeSize)
        let log = EventLog(core: core, lock: lock, writer: writer, snapshotBase: layout.base)
        return (log, state, report)
    }
}
