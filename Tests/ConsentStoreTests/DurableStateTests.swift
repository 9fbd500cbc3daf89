#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

/// `EventLog.durableState()`: the state of exactly the durable records, for a
/// server whose live state ran ahead of a log that then failed.
@Suite("Durable state")
struct DurableStateTests {
    @Test("equals the state a reopen recovers, with or without a snapshot and a kept copy", arguments: [false, true])
    func equalsRecovery(keepState: Bool) throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.keepSnapshotStateInMemory = keepState
        let (log, _, _) = try openToy(dir, options)
        for i in 1...30 { _ = try log.appendAndWait(i).get() }
        #expect(try log.durableState().state == expectedState(30), "no snapshot yet: replayed from the start")
        _ = try log.snapshotNow()
        for i in 31...45 { _ = try log.appendAndWait(i).get() }
        let durable = try log.durableState()
        #expect(durable.sequence == 45)
        #expect(durable.state == expectedState(45), "the snapshot (or the kept copy) plus the records after it")
        // The snapshot thread goes on working after handing a copy out.
        for i in 46...50 { _ = try log.appendAndWait(i).get() }
        #expect(try log.snapshotNow().sequence == 50)
        #expect(try log.durableState().state == expectedState(50))
        log.close()
        let (reopened, recovered, _) = try openToy(dir)
        reopened.close()
        #expect(recovered == expectedState(50))
    }

    @Test("after a failed write it leaves out the failed batch and everything after it", arguments: [false, true])
    func afterFailure(keepState: Bool) throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        var options = testOptions()
        options.keepSnapshotStateInMemory = keepState
        let (log, _, _) = try openToy(dir, options, fileSystem: fs)
        for i in 1...10 { _ = try log.appendAndWait(i).get() }
        _ = try log.snapshotNow()
        for i in 11...12 { _ = try log.appendAndWait(i).get() }
        // A torn write: some bytes of record 13 reach the file, then EIO.
        fs.inject(.init(.pwrite, errno: EIO, pathContains: ".seg", partialBytes: 25))
        #expect(log.appendAndWait(13).failure?.isUnavailable == true)
        #expect(log.appendAndWait(14).failure?.isUnavailable == true)
        let durable = try log.durableState()
        #expect(durable.sequence == 12)
        #expect(durable.state == expectedState(12))
        log.close()
    }

    @Test("a closed log answers unavailable")
    func closed() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        _ = try log.appendAndWait(1).get()
        log.close()
        #expect(throws: StoreError.self) { try log.durableState() }
        do {
            _ = try log.durableState()
        } catch {
            #expect(error.isUnavailable)
        }
    }
}
