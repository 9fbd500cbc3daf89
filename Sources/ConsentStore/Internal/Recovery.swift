/// Rebuilds the state at open: the newest valid snapshot, then every record
/// after it; cuts a torn tail; leaves the last segment ready for the writer.
struct Recovery<State: ReplayableState> {
    let directory: String
    let fileSystem: any FileSystem
    let options: LogOptions
    var report = RecoveryReport()

    /// Where the writer continues after recovery.
    struct Layout {
        var segments: [UInt64]
        var active: OpenFile
        var activeSegment: UInt64
        var activeSize: Int64
        var base: SnapshotBase
    }

    init(directory: String, fileSystem: any FileSystem, options: LogOptions) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.options = options
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func io<T>(_ body: () throws(FileSystemError) -> T) throws(StoreError) -> T {
        do throws(FileSystemError) { return try body() } catch { throw .io(error) }
    }

    /// - Throws: ``StoreError`` naming the file and offset of any damage a
    ///   crash cannot explain.
    mutating func run() throws(StoreError) -> (State, Layout) {
        let clock = ContinuousClock()
        let started = clock.now
        let listing = try DirectoryListing(directory: directory, fileSystem: fileSystem)

        for name in listing.temporaries {
            try io { () throws(FileSystemError) in try fileSystem.unlink(path(name)) }
            options.log("removed \(name): a snapshot that was being written when the process stopped")
        }

        // The newest snapshot that checks, decodes, and that the segments on
        // disk continue from.
        var state: State?
        var base = SnapshotBase(file: nil, sequence: 0)
        let firstSegment = listing.segments.first?.sequence
        for snapshot in listing.snapshots.reversed() {
            if let firstSegment, firstSegment > snapshot.sequence + 1 {
                skip(snapshot.name, "the segments after it were removed")
                continue
            }
            do throws(StoreError) {
                let loaded = try SnapshotFile.load(snapshot.name, directory: directory, fileSystem: fileSystem)
                do {
                    state = try loaded.decodeWhileChecking { payload in try State(snapshotBytes: payload) }
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw StoreError.corrupted(file: snapshot.name, offset: Int64(SnapshotFormat.headerSize), reason: "the state could not decode it: \(error)")
                }
                base = SnapshotBase(file: snapshot.name, sequence: loaded.sequence)
                report.bytesRead += Int64(SnapshotFormat.headerSize + loaded.payload.count)
                report.snapshotBytes = Int64(loaded.payload.count)
                break
            } catch {
                skip(snapshot.name, "\(error)")
                try setAside(snapshot.name)
            }
        }
        report.snapshotFile = base.file
        report.snapshotSequence = base.sequence
        if state == nil {
            if let first = listing.segments.first, first.sequence != 1 {
                throw .corrupted(file: first.name, offset: 16, reason: "segments before sequence \(first.sequence) are missing and no valid snapshot covers them")
            }
            state = State()
        }
        // Moved out, not copied: a second reference would make the first
        // apply copy every table of a copy-on-write state (measured: the
        // restart's peak memory doubled and the copy took a second per
        // million consents).
        var current = state.take()!

        // Replay from the segment that holds the snapshot's last record.
        var segments = listing.segments
        let start = segments.lastIndex { $0.sequence <= base.sequence } ?? 0
        var expected: UInt64? = nil
        var tail: (index: Int, validEnd: Int, tornBytes: Int, zeroTail: Int)?
        var index = start
        while index < segments.count {
            let segment = segments[index]
            let isLast = index == segments.count - 1
            let bytes = try io { () throws(FileSystemError) in try fileSystem.readFile(path(segment.name)) }
            report.bytesRead += Int64(bytes.count)
            report.segmentsRead += 1
            let scanner = SegmentScanner(name: segment.name, isLast: isLast, maxPayload: options.maxPayloadSize, cutTornFinalBatch: options.cutTornFinalBatch)
            let baseSequence = base.sequence
            var replayed: UInt64 = 0
            var replayedBytes = 0
            let result = try withBytes(bytes) { (raw) throws(StoreError) in
                try scanner.scan(raw, nameSequence: segment.sequence, expectedFirst: expected) { (record) throws(StoreError) in
                    guard record.sequence > baseSequence else { return }
                    do {
                        try current.apply(recordType: record.type, payload: UnsafeRawBufferPointer(rebasing: raw[record.payload]), sequence: record.sequence)
                    } catch {
                        throw .replayFailed(file: segment.name, sequence: record.sequence, reason: "\(error)")
                    }
                    replayed += 1
                    replayedBytes += RecordFormat.headerSize + record.payload.count
                }
            }
            report.recordsReplayed += replayed
            report.recordBytesReplayed += Int64(replayedBytes)
            switch result {
            case .success(let outcome):
                expected = outcome.nextSequence
                tail = (index, outcome.validEnd, outcome.tornBytes, outcome.zeroTail)
                index += 1
            case .failure:
                // A last segment whose header never reached the disk held no
                // acknowledged record: the roll that created it had not synced.
                try io { () throws(FileSystemError) in try fileSystem.unlink(path(segment.name)) }
                options.log("removed \(segment.name): its header was never completely written (\(bytes.count) bytes); the process stopped while creating it")
                report.tornBytesCut += Int64(bytes.count)
                segments.removeLast()
            }
        }

        if tail == nil, let file = base.file {
            throw .corrupted(file: file, offset: 16, reason: "no log segment continues from this snapshot (sequence \(base.sequence)): the segments are missing")
        }
        let lastSequence = (expected ?? base.sequence + 1) - 1
        guard lastSequence >= base.sequence else {
            throw .corrupted(file: base.file ?? "", offset: 16, reason: "the snapshot covers sequence \(base.sequence) but the log ends at \(lastSequence)")
        }
        report.lastSequence = lastSequence

        let layout: Layout
        if let tail {
            let segment = segments[tail.index]
            let file = try io { () throws(FileSystemError) in try fileSystem.open(path(segment.name), mode: .readWrite(create: false)) }
            do throws(FileSystemError) {
                if tail.tornBytes + tail.zeroTail > 0 {
                    // The pre-zeroed space goes too: the writer starts at the
                    // end of the file and writes fresh zeros ahead of itself,
                    // so no byte of a torn write is ever left beyond it.
                    try fileSystem.ftruncate(file, to: Int64(tail.validEnd))
                }
                if tail.tornBytes > 0 {
                    options.log("cut \(tail.tornBytes) torn bytes at offset \(tail.validEnd) of \(segment.name): the end of a write that was never acknowledged")
                    report.tornBytesCut += Int64(tail.tornBytes)
                }
                // Whatever the last process wrote but did not sync is part of the
                // recovered state now: make it durable before anyone reads it.
                try fileSystem.fsync(file)
            } catch {
                try? fileSystem.close(file)
                throw .io(error)
            }
            layout = Layout(segments: segments.map(\.sequence), active: file, activeSegment: segment.sequence, activeSize: Int64(tail.validEnd), base: base)
        } else {
            let first = base.sequence + 1
            let name = FileNames.segment(firstSequence: first)
            let file = try io { () throws(FileSystemError) in try fileSystem.open(path(name), mode: .createNew) }
            do throws(FileSystemError) {
                try fileSystem.writeAll(file, SegmentHeader.encode(firstSequence: first), at: 0)
                try fileSystem.fsync(file)
            } catch {
                try? fileSystem.close(file)
                throw .io(error)
            }
            layout = Layout(segments: [first], active: file, activeSegment: first, activeSize: Int64(SegmentHeader.size), base: base)
        }
        // Always, not only when recovery changed the directory: a crash between
        // a roll's fsync of the new segment and its directory sync leaves a
        // segment whose name may not be durable, and this run is about to
        // acknowledge writes into it. One fsync per start.
        do throws(FileSystemError) { try fileSystem.syncDirectory(directory) } catch {
            try? fileSystem.close(layout.active)
            throw .io(error)
        }
        report.duration = clock.now - started
        return (current, layout)
    }

    /// Renames a damaged snapshot to `NAME.damaged`: kept for a person to
    /// look at, but out of the listing, so that retention never counts it as
    /// a fallback (it would otherwise delete a good older snapshot, and the
    /// segments only the damaged one "covered"). The directory is synced at
    /// the end of recovery.
    private mutating func setAside(_ name: String) throws(StoreError) {
        let aside = name + FileNames.damagedSuffix
        try io { () throws(FileSystemError) in try fileSystem.rename(path(name), to: path(aside)) }
        options.log("renamed the damaged snapshot \(name) to \(aside)")
    }

    private mutating func skip(_ name: String, _ reason: String) {
        report.skippedSnapshots.append("\(name): \(reason)")
        options.log("skipping snapshot \(name): \(reason); falling back to an older snapshot or a full replay")
    }
}
