#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread for the store's long-running loops (the writer and the
/// snapshotter). A dedicated thread rather than a Dispatch queue because both
/// block in `fdatasync` and in semaphores for their whole life, which would
/// starve Dispatch's small pool on a 2-core machine.
package struct PosixThread: Sendable {
    private let handle: pthread_t

    /// Starts `body` on a new thread.
    package static func spawn(_ body: @escaping @Sendable () -> Void) -> PosixThread {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var handle = pthread_t()
        let rc = pthread_create(&handle, nil, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(ErrnoText.describe(rc))")
        return PosixThread(handle: handle)
    }

    /// Whether the caller runs on this thread.
    package var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

    /// Lets the thread clean up after itself when it ends (no join).
    package func detach() {
        _ = pthread_detach(handle)
    }

    /// Waits until the thread's body has returned.
    package func join() {
        _ = pthread_join(handle, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
