#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentStore
import ConsentTesting
import Dispatch
import Foundation
import Testing
@testable import ConsentServer

/// Review of branch `commit`: the hub's event loops must end the log's commit
/// delay when they go idle (ConsentHubServer passes `whenIdle` →
/// `ConsentLedger.commitNow` to the transport). The store's tests call
/// `commitNow` themselves, so nothing else fails when that wiring is lost;
/// consentd's 1 ms bound would hide it as latency. Here the bound is an hour:
/// a call held back by it shows as an answer that does not come.
@Suite("The hub ends the log's commit delay when its loops go idle")
struct CommitDelayWiringTests {
    @Test("a call made after a batch of several appends is answered without waiting for the bound")
    func idleLoopEndsTheDelay() async throws {
        let root = TestHub.makeTemporaryDirectory("commit-delay")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fileSystem = FaultInjectingFileSystem()
        var options = LogOptions()
        options.commitDelay = .seconds(3600)
        options.log = { _ in }
        let ledger = try ConsentLedger(directory: root + "/data", options: options, fileSystem: fileSystem)
        let hub = try TestHub(demoRegistry: false, ledger: ledger, additionalServices: LedgerTestService.register)

        // A batch of two appends (two callers at once): the writer may hold
        // the next batch back. Made here, off the loops, so it is certain.
        let writesBefore = fileSystem.counts.pwrite
        fileSystem.holdSyncs()
        _ = ledger.execute(.registerResource(LedgerTestService.resource(1)), by: .dataSource(LedgerTestService.owner), at: SystemClock().now())
        while fileSystem.counts.pwrite == writesBefore { sched_yield() }
        _ = ledger.execute(.registerResource(LedgerTestService.resource(2)), by: .dataSource(LedgerTestService.owner), at: SystemClock().now())
        let second = ledger.execute(.registerResource(LedgerTestService.resource(3)), by: .dataSource(LedgerTestService.owner), at: SystemClock().now())
        fileSystem.releaseSyncs()
        try waitUntil(seconds: 60) { ledger.durableSequence >= second.durableAfter }
        let syncsBefore = ledger.logStatistics?.syncs ?? 0

        // One call over the wire: its loop goes idle after appending, which
        // must end the (one-hour) delay.
        let client = try hub.client("datasource")
        let answered = DispatchSemaphore(value: 0)
        client.startUnary(LedgerTestService.register, .init(service: "4")) { _ in answered.signal() }
        #expect(answered.wait(timeout: .now() + .seconds(60)) == .success,
                "the call was held back by the one-hour commit delay: the idle loop did not end it")
        #expect((ledger.logStatistics?.syncs ?? 0) > syncsBefore)
        client.close()
        await hub.stop()
    }
}
