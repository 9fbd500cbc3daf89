import Dispatch
import Synchronization
import Testing
@testable import ConsentStore

@Suite("Group commit")
struct GroupCommitTests {
    @Test("concurrent appenders all complete; sequence numbers are dense and ordered; all survive reopen; syncs far fewer than records")
    func concurrentAppenders() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        let threads = 8
        let perThread = 500
        // Each thread appends and waits for its completion, like a server
        // connection; records carry (thread, index) so order can be checked.
        let results = Mutex<[UInt64: (thread: Int, index: Int)]>([:])
        let failures = Atomic<Int>(0)
        // Real threads (not Dispatch's pool, which has one per core) so that
        // eight appenders truly wait at once.
        let workers = (0..<threads).map { thread in PosixThread.spawn {
            var previous: UInt64 = 0
            for index in 0..<perThread {
                var bytes: [UInt8] = []
                bytes.appendLittleEndian(UInt32(thread))
                bytes.appendLittleEndian(UInt32(index))
                let waiter = Waiter<Result<UInt64, StoreError>>()
                let assigned = log.append([(UInt8(1), bytes)]) { waiter.set($0) }
                switch waiter.wait() {
                case .success(let sequence):
                    if sequence != assigned || sequence <= previous { failures.add(1, ordering: .relaxed) }
                    previous = sequence
                    results.withLock { $0[sequence] = (thread, index) }
                case .failure:
                    failures.add(1, ordering: .relaxed)
                }
            }
        } }
        for worker in workers { worker.join() }
        let total = threads * perThread
        let failed = failures.load(ordering: .relaxed)
        #expect(failed == 0)
        let sequences = results.withLock { $0.keys.sorted() }
        #expect(sequences == Array(1...UInt64(total)))
        #expect(log.durableSequence == UInt64(total))
        let stats = log.statistics
        #expect(stats.recordsWritten == UInt64(total))
        // With 8 appenders waiting on each other's syncs, batches hold several
        // records: a sync per record would mean group commit is not working.
        #expect(stats.syncs < UInt64(total) / 2, "\(stats.syncs) syncs for \(total) records")
        log.close()

        // Every record is on disk, each thread's records in its own order.
        struct Check: ReplayableState {
            var lastIndexByThread: [UInt32: UInt32] = [:]
            var inOrder = true
            var count = 0
            init() {}
            init(snapshot: [UInt8]) throws { fatalError() }
            func encodeSnapshot() -> [UInt8] { [] }
            mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws {
                let thread = payload.loadLittleEndian(UInt32.self, at: 0)
                let index = payload.loadLittleEndian(UInt32.self, at: 4)
                if let last = lastIndexByThread[thread], last + 1 != index { inOrder = false }
                if lastIndexByThread[thread] == nil && index != 0 { inOrder = false }
                lastIndexByThread[thread] = index
                count += 1
            }
        }
        let (reopened, check, _) = try EventLog<Check>.open(directory: dir.data, options: testOptions())
        reopened.close()
        #expect(check.count == total)
        #expect(check.inOrder)
    }

    @Test("a batch of 1,000 records costs one write and one sync")
    func batchIsOneSync() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let fs = FaultInjectingFileSystem()
        var options = testOptions()
        options.preZeroBytes = 256 << 10
        let (log, _, _) = try openToy(dir, options, fileSystem: fs)
        defer { log.close() }
        // With pre-zeroed space on, the first batch also writes the zeros
        // the next ones overwrite (PreZeroedSegmentTests).
        #expect(try log.appendAndWait(0).get() == 1)
        let before = fs.counts
        let records = (1...1000).map { (UInt8($0 % 7), payload($0)) }
        #expect(try log.appendAndWait(records).get() == 1001)
        let after = fs.counts
        #expect(after.pwrite - before.pwrite == 1)
        #expect(after.fdatasync - before.fdatasync == 1)
        #expect(log.statistics.syncs == 2)
    }

    @Test("append returns its sequence numbers at once, in call order")
    func appendReturnsImmediately() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        defer { log.close() }
        let done = Waiter<Void>()
        let remaining = Atomic<Int>(100)
        var assigned: [UInt64] = []
        for i in 1...100 {
            assigned.append(log.append(type: 1, payload: payload(i)) { _ in
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.set(()) }
            })
        }
        #expect(assigned == Array(1...100))
        #expect(log.appendedSequence == 100)
        done.wait()
        #expect(log.durableSequence == 100)
        // An empty append completes once everything before it is durable.
        #expect(try log.appendAndWait([]).get() == 100)
    }

    @Test("whenDurable answers at once for durable sequences and later for pending ones")
    func whenDurable() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        _ = try log.appendAndWait(1).get()
        let immediate = Atomic<Bool>(false)
        log.whenDurable(1) { if case .success = $0 { immediate.store(true, ordering: .relaxed) } }
        let answeredAtOnce = immediate.load(ordering: .relaxed)
        #expect(answeredAtOnce)

        let sequence = log.append(type: 1, payload: payload(2)) { _ in }
        #expect(try log.waitDurable(sequence).get() == ())
        #expect(log.durableSequence >= sequence)

        // A sequence that is never appended fails when the log closes.
        let never = Waiter<Result<Void, StoreError>>()
        log.whenDurable(1000) { never.set($0) }
        log.close()
        #expect(never.wait().isFailure)
    }

    @Test("an oversized record is refused without taking a sequence number")
    func oversizedRecord() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        var options = testOptions()
        options.maxPayloadSize = 100
        let (log, _, _) = try openToy(dir, options)
        defer { log.close() }
        let result = log.appendAndWait([(1, [UInt8](repeating: 1, count: 101))])
        guard case .failure(.invalidArgument) = result else {
            Issue.record("expected invalidArgument, got \(result)")
            return
        }
        #expect(log.appendedSequence == 0)
        #expect(try log.appendAndWait([(1, [UInt8](repeating: 1, count: 100))]).get() == 1)
    }

    @Test("appends after close fail with unavailable")
    func appendAfterClose() throws {
        let dir = TestDirectory()
        defer { dir.remove() }
        let (log, _, _) = try openToy(dir)
        _ = try log.appendAndWait(1).get()
        log.close()
        let result = log.appendAndWait(2)
        #expect(result.failure?.isUnavailable == true)
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}
