import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import ConsentStore

/// The commit delay (``LogOptions/commitDelay``): after a batch of several
/// records the writer holds the next one back for more, and a lone caller,
/// `commitNow` and `close` are never kept waiting by it. The bound is an hour
/// in every test, so a wait that should not happen shows as a completion
/// that does not come (a minute's grace), never as a measured time.
@Suite("Commit delay")
struct CommitDelayTests {
    static let hour = Duration.seconds(3600)

    func delayedOptions(records: Int = 1024) -> LogOptions {
        var options = testOptions()
        options.commitDelay = Self.hour
        options.commitDelayRecords = records
        return options
    }

    /// Makes the writer's last batch one of two records (B and C appended
    /// while A's sync is held), so the next batch is one it may hold back.
    func makeConcurrent(_ log: ToyLog, _ fs: FaultInjectingFileSystem) {
        let writesBefore = fs.counts.pwrite
        fs.holdSyncs()
        let a = Waiter<Result<UInt64, StoreError>>()
        log.append(type: 1, payload: payload(1)) { a.set($0) }
        // The writer has taken A once it wrote it; its sync now waits.
        while fs.counts.pwrite == writesBefore { sched_yield() }
        let bc = Waiter<Result<UInt64, StoreError>>()
        log.append(type: 2, payload: payload(2)) { _ in }
        log.append(type: 3, payload: payload(3)) { bc.set($0) }
        fs.releaseSyncs()
        #expect(try! a.wait().get() == 1)
        #expect(try! bc.wait().get() == 3)
    }

    @Test("a lone caller appending one record at a time is never held back")
    func loneCallerNeverWaits() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir, delayedOptions())
        defer { log.close() }
        for n in 1...50 {
            let done = TimedWaiter<Result<UInt64, StoreError>>()
            log.append(type: UInt8(n % 7), payload: payload(n)) { done.set($0) }
            let result = done.wait(seconds: 60)
            #expect(try result?.get() == UInt64(n), "append \(n) was held back by the one-hour commit delay")
            if result == nil { return }
        }
        #expect(log.statistics.syncs == 50, "one sync per record: nothing to group")
        #expect(log.statistics.delayedBatches == 0)
    }

    /// Review of branch `commit`: the evidence of concurrency must be several
    /// appends in a batch, not several records. One caller whose appends carry
    /// two records each (an accepted request, a LogUses batch, an expiry
    /// sweep) still cannot append again before its last one is acknowledged,
    /// so holding its batch back only delays it, here by the full bound.
    @Test("a lone caller whose appends carry several records each is never held back")
    func loneCallerWithMultiRecordAppendsNeverWaits() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir, delayedOptions())
        defer { log.close() }
        for n in 1...5 {
            let done = TimedWaiter<Result<UInt64, StoreError>>()
            let pair: [(UInt8, [UInt8])] = [(1, payload(2 * n - 1)), (2, payload(2 * n))]
            log.append(pair) { done.set($0) }
            let result = done.wait(seconds: 60)
            #expect(try result?.get() == UInt64(2 * n), "append \(n) (two records) was held back by the one-hour commit delay")
            if result == nil { return }
        }
        #expect(log.statistics.syncs == 5, "one sync per append: nothing to group")
        #expect(log.statistics.delayedBatches == 0)
    }

    @Test("after a batch of several records the writer waits for more: ten appends made one at a time share one sync")
    func concurrentAppendsShareOneSync() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, delayedOptions(records: 10), fileSystem: fs)
        defer { log.close() }
        makeConcurrent(log, fs)
        let syncsBefore = log.statistics.syncs

        let completed = Atomic<Int>(0)
        let all = Waiter<Void>()
        for n in 4...12 {
            log.append(type: UInt8(n % 7), payload: payload(n)) { result in
                if case .success = result, completed.add(1, ordering: .relaxed).newValue == 10 { all.set(()) }
            }
        }
        // Nine records pending, fewer than commitDelayRecords: held back.
        while log.statistics.delayedBatches == 0 { sched_yield() }
        #expect(completed.load(ordering: .relaxed) == 0)
        log.append(type: 13 % 7, payload: payload(13)) { result in
            if case .success = result, completed.add(1, ordering: .relaxed).newValue == 10 { all.set(()) }
        }
        all.wait()
        let stats = log.statistics
        #expect(stats.syncs - syncsBefore == 1, "ten records, one sync")
        #expect(stats.delayedBatches == 1)
        #expect(log.durableSequence == 13)
    }

    @Test("commitNow (through EventStore) ends the delay at once")
    func commitNowEndsTheDelay() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, delayedOptions(), fileSystem: fs)
        defer { log.close() }
        makeConcurrent(log, fs)
        let syncsBefore = log.statistics.syncs
        let done = TimedWaiter<Result<UInt64, StoreError>>()
        log.append(type: 4, payload: payload(4)) { _ in }
        log.append(type: 5, payload: payload(5)) { done.set($0) }
        // Through the protocol, as the server's ledger calls it (not its no-op default).
        let store: any EventStore<ToyState> = log
        store.commitNow()
        let result = done.wait(seconds: 60)
        #expect(try result?.get() == 5, "commitNow did not end the one-hour delay")
        #expect(log.statistics.syncs - syncsBefore == 1)
    }

    @Test("close during a delay writes the held batch, completes its appends and fails waiters past the end")
    func closeDuringTheDelay() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, delayedOptions(), fileSystem: fs)
        makeConcurrent(log, fs)
        let results = Mutex<[Result<UInt64, StoreError>]>([])
        for n in 4...6 {
            log.append(type: UInt8(n % 7), payload: payload(n)) { result in results.withLock { $0.append(result) } }
        }
        // The writer is holding them back now.
        while log.statistics.delayedBatches == 0 { sched_yield() }
        #expect(results.withLock { $0.isEmpty })
        let beyond = Waiter<Result<Void, StoreError>>()
        log.whenDurable(7) { beyond.set($0) }
        log.close()
        let outcomes = results.withLock { $0 }
        #expect(outcomes.count == 3)
        #expect(outcomes.allSatisfy { (try? $0.get()) != nil }, "\(outcomes)")
        if case .success = beyond.wait() { Issue.record("a sequence never appended cannot become durable") }

        let (reopened, state, _) = try openToy(dir)
        defer { reopened.close() }
        #expect(reopened.durableSequence == 6)
        #expect(state == expectedState(6))
    }

    @Test("the commit delay stops at commitDelayRecords: a large append is written without waiting")
    func largeAppendIsNotHeld() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        let (log, _, _) = try openToy(dir, delayedOptions(records: 100), fileSystem: fs)
        defer { log.close() }
        makeConcurrent(log, fs)
        let done = TimedWaiter<Result<UInt64, StoreError>>()
        log.append((4...103).map { (UInt8($0 % 7), payload($0)) }) { done.set($0) }
        let result = done.wait(seconds: 60)
        #expect(try result?.get() == 103, "a batch of commitDelayRecords was held back")
        #expect(log.statistics.delayedBatches == 0)
    }
}

/// A `Waiter` that gives up after a while instead of hanging the suite.
final class TimedWaiter<T: Sendable>: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let value = Mutex<T?>(nil)
    func set(_ result: T) { value.withLock { $0 = result }; semaphore.signal() }
    func wait(seconds: Int) -> T? {
        guard semaphore.wait(timeout: .now() + .seconds(seconds)) == .success else { return nil }
        return value.withLock { $0 }
    }
}
