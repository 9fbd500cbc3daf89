import Dispatch

/// The writer thread: takes everything appended since its last batch, writes
/// it with one `pwrite` and makes it durable with one `fdatasync`, then runs
/// the completions. Appends that arrive during the sync wait for the next
/// batch: that is group commit. With a commit delay
/// (``LogOptions/commitDelay``), a writer whose last batch carried several
/// appends holds the next one back for more, up to that bound (see
/// `shouldDelay`).
extension LogCore {
    /// The writer's own view of the active segment; touched by no other thread.
    struct WriterContext: Sendable {
        var file: OpenFile
        var segment: UInt64
        var size: Int64
        var lastDurable: UInt64
        /// The file's durable length: `size..<zeroedEnd` holds zeros written
        /// and synced ahead of the records (``LogOptions/preZeroBytes``).
        var zeroedEnd: Int64
        /// Durable records and their bytes since the last snapshot was
        /// requested (or, at start, since the snapshot recovery used).
        var recordsSinceSnapshot: UInt64 = 0
        var bytesSinceSnapshot: UInt64 = 0
    }

    func runWriter(_ start: WriterContext) {
        var context = start
        var batch: [UInt8] = []
        var callbacks: [(sequence: UInt64, callback: AppendCompletion)] = []
        var recordsSinceSnapshot = start.recordsSinceSnapshot
        var bytesSinceSnapshot = start.bytesSinceSnapshot
        let delayNanos = Self.nanoseconds(options.commitDelay)
        // Appends (not records: one append may carry many) the last batch
        // carried, and whether the pending batch has already been held back
        // once (it is, at most, once).
        var lastBatchAppends = 0
        var delayed = false

        while true {
            enum Step { case sleep, delay, exit, write(last: UInt64, failure: StoreError?) }
            let step = shared.withLock { s -> Step in
                if s.completions.isEmpty {
                    if s.closing { return .exit }
                    s.writerSleeping = true
                    return .sleep
                }
                if !delayed, delayNanos > 0, shouldDelay(&s, lastBatchAppends: lastBatchAppends) { return .delay }
                swap(&s.pending, &batch)
                swap(&s.completions, &callbacks)
                s.pendingRecords = 0
                return .write(last: s.nextSequence - 1, failure: s.failure)
            }
            let last: UInt64
            var outcome: StoreError?
            switch step {
            case .sleep:
                writerWake.wait()
                continue
            case .delay:
                delayed = true
                delayedBatches.add(1, ordering: .relaxed)
                // Signalled early by enough records, commitNow or close; a
                // signal that crosses the timeout leaves the semaphore one
                // ahead, which only ends a later wait early (each wait
                // re-checks the state under the lock).
                _ = writerWake.wait(timeout: DispatchTime(uptimeNanoseconds: DispatchTime.now().uptimeNanoseconds &+ UInt64(delayNanos)))
                shared.withLock { s in
                    s.writerDelaying = false
                    writerDelayingFlag.store(false, ordering: .sequentiallyConsistent)
                }
                continue
            case .exit:
                try? fileSystem.close(context.file)
                return
            case .write(let batchLast, let failure):
                last = batchLast
                outcome = failure
                lastBatchAppends = callbacks.count
                delayed = false
            }

            var ready: [(sequence: UInt64, callback: DurableCallback)] = []
            if outcome == nil {
                let records = last - context.lastDurable
                let started = options.syncObserver == nil ? nil : ContinuousClock.now
                do throws(FileSystemError) {
                    let rolled = try write(&batch, records: records, context: &context)
                    if let started, let observer = options.syncObserver {
                        let elapsed = ContinuousClock.now - started
                        observer(records, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    }
                    context.lastDurable = last
                    recordsWritten.add(records, ordering: .relaxed)
                    bytesWritten.add(UInt64(batch.count), ordering: .relaxed)
                    recordsSinceSnapshot += records
                    bytesSinceSnapshot += UInt64(batch.count)
                    ready = shared.withLock { s in
                        durable.store(last, ordering: .releasing)
                        if rolled { s.segments.append(context.segment) }
                        s.durableEnd = (context.segment, context.size)
                        return Self.takeWaiters(&s.durableWaiters, upTo: last)
                    }
                } catch {
                    let failure = Self.unavailable(error)
                    options.log("the event log failed and is now read-only: \(error)")
                    outcome = failure
                    ready = shared.withLock { s in
                        s.failure = failure
                        defer { s.durableWaiters.removeAll() }
                        return s.durableWaiters
                    }
                }
            }

            if let outcome {
                for entry in callbacks { entry.callback(.failure(outcome)) }
                for entry in ready { entry.callback(.failure(outcome)) }
            } else {
                for entry in callbacks { entry.callback(.success(entry.sequence)) }
                for entry in ready { entry.callback(.success(())) }
            }
            callbacks.removeAll(keepingCapacity: true)
            // Keep the buffer for the next swap unless one huge batch bloated it.
            if batch.capacity > 16 << 20 { batch = [] } else { batch.removeAll(keepingCapacity: true) }

            if outcome == nil, snapshotDue(records: recordsSinceSnapshot, bytes: bytesSinceSnapshot) {
                recordsSinceSnapshot = 0
                bytesSinceSnapshot = 0
                requestSnapshot(nil)
            }
        }
    }

    /// Whether to hold the pending batch back for more records (under the
    /// lock; if so, marks the writer as waiting). Only after a batch of two
    /// or more appends, which says that several callers append at once: a
    /// lone caller's next append cannot come before its last one is
    /// acknowledged, so waiting would only delay it, however many records
    /// each of its appends carries. Not when enough
    /// records are already pending, when the appenders said they are idle
    /// (`commitNow` since the batch's first record), while closing, or once
    /// the log has failed.
    private func shouldDelay(_ s: inout Shared, lastBatchAppends: Int) -> Bool {
        guard lastBatchAppends >= 2, !s.closing, s.failure == nil, s.pendingRecords < options.commitDelayRecords else { return false }
        s.writerDelaying = true
        // Stored before the kicks are read; commitNow adds a kick before it
        // reads the flag: whichever comes second sees the first.
        writerDelayingFlag.store(true, ordering: .sequentiallyConsistent)
        if commitKicks.load(ordering: .sequentiallyConsistent) != s.kicksAtFirstPending {
            s.writerDelaying = false
            writerDelayingFlag.store(false, ordering: .sequentiallyConsistent)
            return false
        }
        return true
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        if seconds >= Int64.max / 1_000_000_000 { return Int64.max / 2 }
        return max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Writes and syncs one batch; rolls to a new segment first if the active
    /// one is full. Returns whether it rolled.
    /// - Throws: the first failing call; the batch is then not durable.
    private func write(_ batch: inout [UInt8], records: UInt64, context: inout WriterContext) throws(FileSystemError) -> Bool {
        batch.withUnsafeMutableBytes { RecordFormat.seal($0) }
        var rolled = false
        if context.size >= Int64(options.segmentSize) && context.size > Int64(SegmentHeader.size) {
            if context.zeroedEnd > context.size {
                // Only the last segment may end with pre-zeroed space: cut it
                // off, durably, before a later segment exists.
                try fileSystem.ftruncate(context.file, to: context.size)
                try fileSystem.fdatasync(context.file)
            }
            let first = context.lastDurable + 1
            let name = FileNames.segment(firstSequence: first)
            let file = try fileSystem.open(path(name), mode: .createNew)
            do throws(FileSystemError) {
                try fileSystem.writeAll(file, SegmentHeader.encode(firstSequence: first), at: 0)
            } catch {
                try? fileSystem.close(file)
                throw error
            }
            // The old segment's data was synced with its last batch.
            try? fileSystem.close(context.file)
            context = WriterContext(
                file: file, segment: first, size: Int64(SegmentHeader.size), lastDurable: context.lastDurable,
                zeroedEnd: Int64(SegmentHeader.size))
            rolled = true
        }
        try fileSystem.writeAll(context.file, batch, at: context.size)
        context.size += Int64(batch.count)
        if context.size > context.zeroedEnd {
            // This batch grows the file, so its sync commits a new length
            // anyway: write the next stretch of zeros with it, and the
            // batches that follow overwrite them with data-only syncs.
            let target = min(context.size + Int64(options.preZeroBytes), max(Int64(options.segmentSize), context.size))
            var offset = context.size
            while offset < target {
                let count = Int(min(target - offset, Int64(Self.zeros.count)))
                try fileSystem.writeAll(context.file, count == Self.zeros.count ? Self.zeros : [UInt8](repeating: 0, count: count), at: offset)
                offset += Int64(count)
            }
            context.zeroedEnd = max(target, context.size)
        }
        if rolled {
            // A new file: its size and its directory entry must be durable too.
            try fileSystem.fsync(context.file)
            try fileSystem.syncDirectory(directory)
        } else {
            try fileSystem.fdatasync(context.file)
        }
        syncs.add(1, ordering: .relaxed)
        batches.add(1, ordering: .relaxed)
        return rolled
    }

    /// What pre-zeroed space is written from (256 KiB at a time).
    private static let zeros = [UInt8](repeating: 0, count: 256 << 10)

    private func snapshotDue(records: UInt64, bytes: UInt64) -> Bool {
        if let every = options.snapshotEveryRecords, records >= every { return true }
        if let every = options.snapshotEveryBytes, bytes >= every { return true }
        return false
    }

    static func takeWaiters(_ waiters: inout [(sequence: UInt64, callback: DurableCallback)], upTo last: UInt64) -> [(sequence: UInt64, callback: DurableCallback)] {
        if waiters.isEmpty { return [] }
        var ready: [(sequence: UInt64, callback: DurableCallback)] = []
        waiters.removeAll { entry in
            if entry.sequence <= last { ready.append(entry); return true }
            return false
        }
        return ready
    }

    /// The message every affected append gets: what failed, on which file,
    /// and what it means for the server.
    static func unavailable(_ error: FileSystemError) -> StoreError {
        let verb: String
        switch error.call {
        case "pwrite": verb = "writing"
        case "fdatasync", "fsync": verb = "syncing"
        case "open": verb = "creating"
        default: verb = "in \(error.call) of"
        }
        let file = error.path.split(separator: "/").last.map(String.init) ?? error.path
        return .unavailable("the event log cannot make records durable: \(error.reason) \(verb) \(file); the server is read-only until restarted")
    }
}
