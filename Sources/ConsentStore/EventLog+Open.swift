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
        var layout: Recovery<State>.Layout
        do throws(StoreError) {
            (state, layout) = try recovery.run()
        } catch {
            lock.release(fileSystem: fileSystem)
            throw error
        }
        var report = recovery.report
        if options.snapshotAtOpen, let reason = snapshotDueAtOpen(report, options: options) {
            writeSnapshotAtOpen(state, reason: reason, directory: directory, fileSystem: fileSystem, options: options, report: &report, layout: &layout)
        }
        options.log(report.description)
        // A replay grows the state's tables by doubling and reads whole
        // segments into buffers: return what that left free to the kernel.
        FreeMemory.release()
        let core = LogCore(
            directory: directory, fileSystem: fileSystem, options: options,
            lastSequence: report.lastSequence, segments: layout.segments,
            durableEnd: (layout.activeSegment, layout.activeSize), snapshotSequence: layout.base.sequence
        )
        // The records since the snapshot count towards the next one: counting
        // from zero at every start, a hub killed more often than it writes
        // `snapshotEveryRecords` would never snapshot again (issue 11).
        let tailBytes = layout.base.sequence == report.snapshotSequence ? UInt64(max(0, report.recordBytesReplayed)) : 0
        var writer = LogCore.WriterContext(
            file: layout.active, segment: layout.activeSegment, size: layout.activeSize, lastDurable: report.lastSequence,
            zeroedEnd: layout.activeSize)
        writer.recordsSinceSnapshot = report.lastSequence - layout.base.sequence
        writer.bytesSinceSnapshot = tailBytes
        let log = EventLog(core: core, lock: lock, writer: writer, snapshotBase: layout.base)
        return (log, state, report)
    }
}

extension EventLog {
    /// Why `open` should snapshot the state it just recovered, or nil
    /// (``LogOptions/snapshotAtOpen``).
    static func snapshotDueAtOpen(_ report: RecoveryReport, options: LogOptions) -> String? {
        SnapshotAtOpen.reason(
            report, everyRecords: options.snapshotEveryRecords, everyBytes: options.snapshotEveryBytes,
            minimumBytes: options.snapshotAtOpenMinimumBytes)
    }

    /// Writes a snapshot of the recovered state before the log serves: the
    /// next start then loads it instead of replaying the same records again,
    /// however soon the process is killed. A failure is logged and changes
    /// nothing else (the log and the state are whole without it).
    static func writeSnapshotAtOpen(
        _ state: State, reason: String, directory: String, fileSystem: any FileSystem, options: LogOptions,
        report: inout RecoveryReport, layout: inout Recovery<State>.Layout
    ) {
        let clock = ContinuousClock()
        let started = clock.now
        let sequence = report.lastSequence
        let written: (name: String, bytes: Int)
        do throws(StoreError) {
            written = try SnapshotWriting.write(sequence: sequence, payload: state.encodeSnapshot(), directory: directory, fileSystem: fileSystem)
        } catch {
            options.log("could not write a snapshot at start (the log is not affected): \(error)")
            return
        }
        layout.base = SnapshotBase(file: written.name, sequence: sequence)
        report.snapshotWrittenAtOpen = (written.name, written.bytes, reason, clock.now - started)
        do throws(StoreError) {
            let removed = try SnapshotWriting.retain(directory: directory, fileSystem: fileSystem, options: options, segments: layout.segments)
            layout.segments.removeAll { removed.contains($0) }
        } catch {
            options.log("retention after the snapshot at start failed (the log is not affected): \(error)")
        }
    }
}
