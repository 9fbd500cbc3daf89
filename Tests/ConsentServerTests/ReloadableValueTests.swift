import Foundation
import Synchronization
import Testing
@testable import ConsentServer

/// Review finding L3: `pthread_key_delete` runs no destructors, so every
/// thread's cached copy of a released ReloadableValue leaked.
@Suite("ReloadableValue")
struct ReloadableValueTests {
    final class Payload: Sendable {
        let n: Int
        init(_ n: Int) { self.n = n }
    }

    /// Runs `body` on a new thread and waits for it.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let value = body()
            result.withLock { $0 = value }
            done.signal()
        }
        thread.start()
        done.wait()
        return result.withLock { $0! }
    }

    @Test("a released value's per-thread copy is freed, not leaked")
    func releasedValueCopyIsNotLeaked() {
        let (released, entries) = Self.onThread { () -> (Bool, Int) in
            weak var weakPayload: Payload?
            do {
                let payload = Payload(1)
                weakPayload = payload
                let reloadable = ReloadableValue(payload)
                #expect(reloadable.value.n == 1)  // cached on this thread
            }
            // This thread's next miss drops the entries of released instances.
            let other = ReloadableValue(Payload(2))
            #expect(other.value.n == 2)
            return (weakPayload == nil, ReloadableValueCache.entryCountForCurrentThread)
        }
        #expect(released, "the released value is still referenced by a thread's cache")
        #expect(entries == 1)
    }

    @Test("instances created and released in turn never see each other's cached values")
    func instancesDoNotShareCachedCopies() {
        let wrong = Self.onThread { () -> Int in
            var wrong = 0
            for i in 0..<1000 {
                let reloadable = ReloadableValue(Payload(i))  // often at a freed instance's address
                if reloadable.value.n != i { wrong += 1 }
                reloadable.replace(with: Payload(i + 1))
                if reloadable.value.n != i + 1 { wrong += 1 }
            }
            return wrong
        }
        #expect(wrong == 0)
    }
}
