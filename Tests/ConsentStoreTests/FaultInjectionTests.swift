#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

@Suite("Fault injection")
struct FaultInjectionTests {
    let segment1 = FileNames.segment(firstSequence: 1)

    /// Opens with a fault-injecting file system and appends `durable` records.
    func setUp(_ dir: TestDirectory, durable: Int, lines: LogLines = LogLines()) throws -> (ToyLog, FaultInjectingFileSystem) {
        let fs = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, testOptions(lines), fileSystem: fs)
        for i in stride(from: 1, through: durable, by: 1) { _ = try log.appendAndWait(i).get() }
        return (log, fs)
    }

    /// After a failure: this and later appends fail, whenDurable fails, and a
    /// reopen has exactly the durable records (plus, possibly, the failed ones
    /// whose outcome is unknown; never fewer).
    func expectReadOnly(_ log: ToyLog, _ dir: TestDirectory, durable: Int, message: String) throws {
        let failed = log.appendAndWait(durable + 1)
        guard case .failure(.unavailable(let text)) = failed else {
            Issue.record("expected unavailable, got \(failed)")
            return
        }
        #expect(text.contains(message), "\(text)")
        #expect(text.contains("the server is read-only until restarted"))
        #expect(log.durableSequence == UInt64(durable))
        #expect(log.statistics.hasFailed)

        let later = log.appendAndWait(durable + 2)
        #expect(later.failure?.isUnavailable == true)
        #expect(log.waitDurable(log.appendedSequence).failure?.isUnavailable == true)
        // What is durable stays readable.
        #expect(try log.waitDurable(UInt64(durable)).get() == ())
        log.close()

        let (reopened, state, report) = try openToy(dir)
        reopened.close()
        #expect(report.lastSequence >= UInt64(durable))
        #expect(state.count >= UInt64(durable))
        var durableOnly = ToyState()
        for i in stride(from: 1, through: durable, by: 1) {
            payload(i).withUnsafeBytes { try! durableOnly.apply(recordType: UInt8(i % 7), payload: $0, sequence: UInt64(i)) }
        }
        if report.lastSequence == UInt64(durable) { #expect(state == durableOnly) }
    }

    @Test("a failing write makes the append and every later one unavailable; reopen keeps what was durable")
    func failingWrite() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let lines = LogLines()
        let (log, fs) = try setUp(dir, durable: 5, lines: lines)
        fs.inject(.init(.pwrite, errno: EIO, pathContains: ".seg"))
        try expectReadOnly(log, dir, durable: 5, message: "Input/output error (EIO) writing \(segment1)")
        #expect(lines.contains("read-only"))
    }

    @Test("a failing fdatasync is not retried and never reported as success")
    func failingSync() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, fs) = try setUp(dir, durable: 3)
        fs.inject(.init(.fdatasync, errno: EIO))
        let syncsBefore = fs.counts.fdatasync
        try expectReadOnly(log, dir, durable: 3, message: "(EIO) syncing \(segment1)")
        // One failed sync and no retry.
        #expect(fs.counts.fdatasync - syncsBefore == 1)
    }

    @Test("ENOSPC in the middle of a write leaves a torn record that reopen cuts")
    func diskFull() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, fs) = try setUp(dir, durable: 4)
        fs.inject(.init(.pwrite, errno: ENOSPC, persistent: true, partialBytes: 30))
        try expectReadOnly(log, dir, durable: 4, message: "No space left on device (ENOSPC) writing \(segment1)")
        let (reopened, state, report) = try openToy(dir)
        reopened.close()
        #expect(state == expectedState(4))
        #expect(report.tornBytesCut == 0) // cut by the first reopen already
    }

    @Test("every append pending during a failed sync fails; none succeeds")
    func pendingAppendsFail() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, fs) = try setUp(dir, durable: 1)
        fs.inject(.init(.fdatasync, errno: EIO, persistent: true))
        let waiters = (0..<50).map { i in
            let waiter = Waiter<Result<UInt64, StoreError>>()
            log.append(type: 1, payload: payload(i)) { waiter.set($0) }
            return waiter
        }
        for waiter in waiters {
            #expect(waiter.wait().failure?.isUnavailable == true)
        }
        #expect(log.durableSequence == 1)
        log.close()
    }

    @Test("a failure creating the next segment fails the log the same way")
    func failingRoll() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.segmentSize = 100
        let fs = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, options, fileSystem: fs)
        _ = try log.appendAndWait(1, size: 100).get()
        fs.inject(.init(.open, errno: ENOSPC, pathContains: ".seg"))
        let result = log.appendAndWait(2)
        guard case .failure(.unavailable(let text)) = result else {
            Issue.record("expected unavailable, got \(result)")
            return
        }
        #expect(text.contains("(ENOSPC) creating \(FileNames.segment(firstSequence: 2))"))
        log.close()
    }

    @Test("snapshots still work from the durable log after a failure")
    func snapshotAfterFailure() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, fs) = try setUp(dir, durable: 6)
        fs.inject(.init(.fdatasync, errno: EIO, persistent: true))
        _ = log.appendAndWait(7)
        let info = try log.snapshotNow()
        #expect(info.sequence == 6)
        log.close()
    }
}
