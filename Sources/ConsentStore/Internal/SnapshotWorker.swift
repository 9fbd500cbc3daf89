/// The snapshot thread. It owns a private instance of the state, brings it up
/// to the durable end of the log by reading the segments back from disk, and
/// writes it out. It never sees the caller's live state and takes the append
/// path's lock only to read where the durable data ends.
final class SnapshotWorker<State: ReplayableState> {
    private let core: LogCore
    private var state: State?
    /// The last sequence number applied to `state`.
    private var covered: UInt64 = 0
    /// Where the record after `covered` starts, once known.
    private var cursor: (segment: UInt64, offset: Int64)?
    /// The newest valid snapshot on disk.
    private var newest: SnapshotBase

    init(core: LogCore, base: SnapshotBase) {
        self.core = core
        self.newest = base
    }

    private var fileSystem: any FileSystem { core.fileSystem }
    private var options: LogOptions { core.options }

    private func io<T>(_ body: () throws(FileSystemError) -> T) throws(StoreError) -> T {
        do throws(FileSystemError) { return try body() } catch { throw .io(error) }
    }

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
                for waiter in waiters { waiter(.failure(LogCore.closedError)) }
                for request in stateRequests { request.fulfil(.failure(LogCore.closedError)) }
                return
            }
            // A caller waiting for the durable state (a server whose log just
            // failed, so its reads wait) goes before a snapshot.
            var stateResult: Result<Any, StoreError>?
            if !stateRequests.isEmpty {
                do throws(StoreError) {
                    let (current, _) = try catchUp()
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
                    if !core.isStopping { options.log("snapshot failed (the log is not affected): \(error)") }
                    forget()
                }
            }
            // Dropped (and the memory the build freed given back) before
            // anyone is told, so that when `snapshotNow` returns, what is
            // resident is what the server keeps.
            if !options.keepSnapshotStateInMemory { forget() }
            FreeMemory.release()
            if let stateResult { for request in stateRequests { request.fulfil(stateResult) } }
            if let snapshotResult { for waiter in waiters { waiter(snapshotResult) } }
        }
    }

    /// Drops the private state: the next build starts from the newest
    /// snapshot on disk. After a failure the state may be ahead of the cursor.
    private func forget() {
        state = nil
        cursor = nil
    }

    /// Brings the private state up to the durable end of the log.
    /// - Returns: the state and the sequence it was brought up from.
    /// - Throws: ``StoreError``; the private state is then dropped by the caller.
    private func catchUp() throws(StoreError) -> (State, replayedFrom: UInt64) {
        let (target, segments, end) = core.shared.withLock { s in
            (core.durable.load(ordering: .acquiring), s.segments, s.durableEnd)
        }
        var current: State
        if let state {
            current = state
            self.state = nil
        } else {
            if let file = newest.file {
                let (sequence, payload) = try SnapshotFile.read(file, directory: core.directory, fileSystem: fileSystem)
                do { current = try State(snapshot: payload) } catch {
                    throw .corrupted(file: file, offset: Int64(SnapshotFormat.headerSize), reason: "the state could not decode it: \(error)")
                }
                covered = sequence
            } else {
                current = State()
                covered = 0
            }
            cursor = nil
        }
        let replayedFrom = covered
        try replay(into: &current, upTo: target, segments: segments, end: end)
        state = current
        return (current, replayedFrom)
    }

    /// Brings the private state to the durable end and writes a snapshot.
    /// - Throws: ``StoreError``; the log itself is not affected.
    private func build() throws(StoreError) -> SnapshotInfo {
        let clock = ContinuousClock()
        let started = clock.now
        if core.durable.load(ordering: .acquiring) <= newest.sequence {
            return SnapshotInfo(file: newest.file, sequence: newest.sequence, bytes: 0, isNew: false)
        }
        let (current, replayedFrom) = try catchUp()

        let (name, bytes) = try SnapshotWriting.write(sequence: covered, payload: current.encodeSnapshot(), directory: core.directory, fileSystem: fileSystem)
        newest = SnapshotBase(file: name, sequence: covered)
        core.snapshotsWritten.add(1, ordering: .relaxed)
        core.lastSnapshotSequence.store(covered, ordering: .relaxed)
        options.log("wrote snapshot \(name): covers sequence \(covered), \(bytes) bytes, \(covered - replayedFrom) records replayed, in \(clock.now - started)")
        try retain()
        return SnapshotInfo(file: name, sequence: covered, bytes: bytes, isNew: true)
    }

    /// Reads durable records after `covered` up to `target` and applies them.
    private func replay(into current: inout State, upTo target: UInt64, segments: [UInt64], end: (segment: UInt64, offset: Int64)) throws(StoreError) {
        var index = cursor.flatMap { c in segments.firstIndex(of: c.segment) } ?? (segments.lastIndex { $0 <= covered } ?? 0)
        while covered < target {
            if core.isStopping { throw LogCore.closedError }
            guard index < segments.count else {
                throw .corrupted(file: FileNames.segment(firstSequence: segments.last ?? 0), offset: 0, reason: "the log ended at sequence \(covered) while building a snapshot up to \(target)")
            }
            let segment = segments[index]
            let name = FileNames.segment(firstSequence: segment)
            let from = cursor?.segment == segment ? cursor!.offset : 0
            let bytes = try io { () throws(FileSystemError) -> [UInt8] in
                let file = try fileSystem.open(core.path(name), mode: .readOnly)
                defer { try? fileSystem.close(file) }
                // Only the synced prefix of the active segment: the writer may
                // be appending behind it, but never rewrites it.
                let limit = segment == end.segment ? end.offset : try fileSystem.size(of: file)
                return try fileSystem.read(file, count: Int(max(0, limit - from)), at: from)
            }
            let consumed = try withBytes(bytes) { (raw) throws(StoreError) -> Int in
                var offset = 0
                if from == 0 {
                    guard case .success = SegmentHeader.decode(raw) else {
                        throw .corrupted(file: name, offset: 0, reason: "bad segment header while building a snapshot")
                    }
                    offset = SegmentHeader.size
                }
                while offset < raw.count {
                    guard case .record(let record) = RecordFormat.decode(raw, at: offset, maxPayload: options.maxPayloadSize) else {
                        throw .corrupted(file: name, offset: from + Int64(offset), reason: "a durable record does not decode while building a snapshot")
                    }
                    if record.sequence > target { break }
                    if record.sequence > covered {
                        guard record.sequence == covered + 1 else {
                            throw .corrupted(file: name, offset: from + Int64(offset), reason: "found sequence \(record.sequence) where \(covered + 1) was expected")
                        }
                        do {
                            try current.apply(recordType: record.type, payload: UnsafeRawBufferPointer(rebasing: raw[record.payload]), sequence: record.sequence)
                        } catch {
                            throw .replayFailed(file: name, sequence: record.sequence, reason: "\(error)")
                        }
                        covered = record.sequence
                    }
                    offset = record.end
                }
                return offset
            }
            cursor = (segment, from + Int64(consumed))
            if covered < target { index += 1 }
        }
    }

    /// Applies retention and drops the removed segments from the writer's list.
    private func retain() throws(StoreError) {
        let segments = core.shared.withLock { $0.segments }
        let removed = try SnapshotWriting.retain(directory: core.directory, fileSystem: fileSystem, options: options, segments: segments)
        if !removed.isEmpty {
            core.shared.withLock { s in s.segments.removeAll { removed.contains($0) } }
        }
    }
}
