import Dispatch
import Synchronization
import Testing
@testable import ConsentTransport

/// `EventLoop.whenIdle`: what tells the log's writer that a loop has appended
/// all it will for now (docs/STORAGE.md, "Group commit"). It must run once the
/// loop has nothing left to do, and never while work is still queued on it.
@Suite("An event loop's idle hook")
struct IdleHookTests {
    @Test("runs after the work of a turn is done, not between tasks still queued on the loop")
    func runsOnlyWhenNothingIsLeft() throws {
        let loop = try EventLoop(name: "idle-hook-test")
        defer { loop.stop() }
        let idleRuns = Atomic<Int>(0)
        let ranIdle = DispatchSemaphore(value: 0)
        loop.whenIdle {
            idleRuns.add(1, ordering: .relaxed)
            ranIdle.signal()
        }
        // A chain of 1,000 tasks, each queuing the next on the loop itself.
        let seen = Mutex<(first: Int, last: Int)>((-1, -1))
        let chainDone = DispatchSemaphore(value: 0)
        @Sendable func step(_ remaining: Int) {
            if remaining == 1000 { seen.withLock { $0.first = idleRuns.load(ordering: .relaxed) } }
            if remaining == 0 {
                seen.withLock { $0.last = idleRuns.load(ordering: .relaxed) }
                chainDone.signal()
                return
            }
            loop.execute { step(remaining - 1) }
        }
        loop.execute { step(1000) }
        chainDone.wait()
        let (first, last) = seen.withLock { $0 }
        #expect(first == last, "the hook ran while tasks were still queued (\(first) → \(last))")
        // Once the chain is done the loop is idle: the hook runs.
        while idleRuns.load(ordering: .relaxed) <= last {
            guard ranIdle.wait(timeout: .now() + .seconds(60)) == .success else {
                Issue.record("the idle hook never ran after the chain")
                return
            }
        }
    }
}
