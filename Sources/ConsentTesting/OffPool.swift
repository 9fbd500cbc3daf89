import Foundation

/// Runs blocking work (a child process, a load run that waits on its own
/// threads) on a thread of its own and awaits its result.
///
/// Swift concurrency's cooperative pool has one thread per core: two on the
/// CI machines. A test that blocks one of them in `waitUntilExit` or a
/// semaphore leaves every other async test in the process half the pool, and
/// two such tests stall them all (a live stream's 15-second deadline ran out
/// that way).
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
