#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

@Suite("Snapshots")
struct SnapshotTests {
    func append(_ log: ToyLog, _ range: ClosedRange<Int>) throws {
        for i in range { _ = try log.appendAndWait(i).get() }
    }

    @Test("snapshot plus tail replay equals full replay")
    func snapshotPlusTail() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        try append(log, 1...50)
        let info = try log.snapshotNow()
        #expect(info.isNew)
        #expect(info.sequence == 50)
        #expect(info.file == FileNames.snapshot(sequence: 50))
        try append(log, 51...80)
        log.close()

        let (reopened, state, report) = try openToy(dir)
        reopened.close()
        #expect(report.snapshotFile == info.file)
        #expect(report.snapshotSequence == 50)
        #expect(report.recordsReplayed == 30)
        #expect(state == expectedState(80))

        // The same state from the log alone.
        _ = dir.remove(info.file!)
        let (full, fullState, fullReport) = try openToy(dir)
        full.close()
        #expect(fullReport.snapshotFile == nil)
        #expect(fullReport.recordsReplayed == 80)
        #expect(fullState == state)
    }

    @Test("a snapshot with nothing new since the last one writes nothing")
    func nothingNew() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        defer { log.close() }
        #expect(try log.snapshotNow().file == nil)
        try append(log, 1...3)
        #expect(try log.snapshotNow().isNew)
        let again = try log.snapshotNow()
        #expect(!again.isNew)
        #expect(again.sequence == 3)
    }

    @Test("a damaged newest snapshot is skipped with a log line; the older one and the log rebuild the same state")
    func damagedSnapshotFallsBack() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        try append(log, 1...20)
        let older = try log.snapshotNow()
        try append(log, 21...40)
        let newer = try log.snapshotNow()
        try append(log, 41...45)
        log.close()

        var bytes = dir.read(newer.file!)
        bytes[bytes.count - 2] ^= 0x08
        dir.write(newer.file!, bytes)

        let lines = LogLines()
        let (reopened, state, report) = try openToy(dir, testOptions(lines))
        reopened.close()
        #expect(report.snapshotFile == older.file)
        #expect(report.skippedSnapshots.count == 1)
        #expect(report.skippedSnapshots.first?.contains(newer.file!) == true)
        #expect(lines.contains("skipping snapshot \(newer.file!)"))
        #expect(state == expectedState(45))

        // With every snapshot damaged, the full log still rebuilds it.
        dir.write(older.file!, [1, 2, 3])
        let (full, fullState, fullReport) = try openToy(dir)
        full.close()
        #expect(fullReport.snapshotFile == nil)
        #expect(fullState == expectedState(45))
    }

    @Test("a snapshot is read into memory where the file system does not map it, with the same state, and damage is refused the same way")
    func readWhereNotMapped() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        try append(log, 1...30)
        let info = try log.snapshotNow()
        try append(log, 31...35)
        log.close()

        // A pread fault that could match the snapshot makes the file system
        // decline to map it; this one lets the first thousand reads through.
        let reading = FaultInjectingFileSystem()
        reading.inject(.init(.pread, errno: EIO, after: 1000, pathContains: ".snap"))
        let (read, readState, readReport) = try openToy(dir, fileSystem: reading)
        read.close()
        let (mapped, mappedState, mappedReport) = try openToy(dir)
        mapped.close()
        #expect(readReport.snapshotFile == info.file && mappedReport.snapshotFile == info.file)
        #expect(readReport.recordsReplayed == 5 && mappedReport.recordsReplayed == 5)
        #expect(readState == expectedState(35) && mappedState == readState)

        // A failing mmap is an I/O error on that snapshot: skipped, the log replayed.
        let failing = FaultInjectingFileSystem()
        failing.inject(.init(.mmap, errno: ENOMEM, pathContains: ".snap"))
        let (unmapped, unmappedState, unmappedReport) = try openToy(dir, fileSystem: failing)
        unmapped.close()
        #expect(unmappedReport.snapshotFile == nil && unmappedReport.recordsReplayed == 35)
        #expect(unmappedReport.skippedSnapshots.first?.contains("mmap") == true, "\(unmappedReport.skippedSnapshots)")
        #expect(unmappedState == expectedState(35))
    }

    @Test("automatic snapshots every N records, in the background")
    func automaticSnapshots() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.snapshotEveryRecords = 10
        let (log, _, _) = try openToy(dir, options)
        try append(log, 1...35)
        // The snapshotter runs on its own thread and covers whatever is
        // durable when it runs, so a slow thread folds several thresholds
        // into one snapshot: what is certain is that, once it is done, fewer
        // than 10 records lie beyond the newest snapshot. Wait for that (bounded).
        var waited = 0
        while log.statistics.lastSnapshotSequence <= 25 && waited < 3000 {
            usleep(10_000)
            waited += 1
        }
        #expect(log.statistics.snapshotsWritten >= 1)
        #expect(log.statistics.lastSnapshotSequence > 25)
        log.close()
        let (reopened, state, report) = try openToy(dir)
        reopened.close()
        #expect(report.snapshotSequence > 25)
        #expect(state == expectedState(35))
    }

    @Test("only the newest K snapshots are kept")
    func snapshotRetention() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.snapshotsToKeep = 2
        let (log, _, _) = try openToy(dir, options)
        defer { log.close() }
        for round in 1...4 {
            try append(log, (round * 10 - 9)...(round * 10))
            _ = try log.snapshotNow()
        }
        #expect(dir.snapshots() == [FileNames.snapshot(sequence: 30), FileNames.snapshot(sequence: 40)])
        // Segments are kept by default: consent history is audit data.
        #expect(dir.segments() == [FileNames.segment(firstSequence: 1)])
    }

    @Test("covered segments are removed when asked, and the directory still recovers and verifies")
    func segmentRetention() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.segmentSize = 400
        options.snapshotsToKeep = 2
        options.removeCoveredSegments = true
        options.keepSnapshotStateInMemory = false
        let (log, _, _) = try openToy(dir, options)
        try append(log, 1...40)
        _ = try log.snapshotNow()
        try append(log, 41...80)
        _ = try log.snapshotNow()
        let before = dir.segments().count
        try append(log, 81...90)
        _ = try log.snapshotNow()
        log.close()
        let segments = dir.segments()
        #expect(segments.count < before + 2)
        #expect(segments.first != FileNames.segment(firstSequence: 1))
        // Every kept snapshot can still be replayed from: the oldest kept one
        // (sequence 80) needs the segment holding record 81.
        let firstKept = FileNames.parseSegment(segments.first!)!
        #expect(firstKept <= 81)

        let (reopened, state, _) = try openToy(dir, options)
        reopened.close()
        #expect(state == expectedState(90))
        #expect(LogVerifier.verify(directory: dir.data).isHealthy)

        // Falling back past the oldest kept snapshot is impossible now, and
        // says so instead of replaying a partial log.
        for name in dir.snapshots() { dir.write(name, [0]) }
        let error = try #require(openToyFailure(dir, options))
        #expect("\(error)".contains("missing"))
    }

    @Test("a damaged snapshot is set aside, so retention keeps the good older one and the segments it needs")
    func damagedSnapshotIsNotAFallback() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.segmentSize = 400
        options.snapshotsToKeep = 2
        options.removeCoveredSegments = true
        options.keepSnapshotStateInMemory = false
        let (log, _, _) = try openToy(dir, options)
        try append(log, 1...20)
        let good = try log.snapshotNow()
        try append(log, 21...40)
        let damaged = try log.snapshotNow()
        log.close()
        var bytes = dir.read(damaged.file!)
        bytes[bytes.count - 2] ^= 0x08
        dir.write(damaged.file!, bytes)

        // Recovery falls back to the good one and renames the damaged one aside.
        let (reopened, _, report) = try openToy(dir, options)
        #expect(report.snapshotFile == good.file)
        #expect(!dir.snapshots().contains(damaged.file!))
        #expect(access(dir.data + "/" + damaged.file! + FileNames.damagedSuffix, F_OK) == 0, "kept for a person to look at")
        // A new snapshot: retention keeps it and the good one, not the damaged one.
        try append(reopened, 41...60)
        let newest = try reopened.snapshotNow()
        reopened.close()
        #expect(dir.snapshots() == [good.file!, newest.file!])

        // Should the newest be damaged too, the good one and its segments still rebuild everything.
        var newestBytes = dir.read(newest.file!)
        newestBytes[newestBytes.count - 2] ^= 0x08
        dir.write(newest.file!, newestBytes)
        let (last, state, lastReport) = try openToy(dir, options)
        last.close()
        #expect(lastReport.snapshotFile == good.file)
        #expect(state == expectedState(60))
    }
}
