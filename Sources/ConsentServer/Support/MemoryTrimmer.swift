#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import ConsentTransport

/// Gives memory that connections have freed back to the system after churn.
///
/// glibc keeps freed memory in its arenas for reuse; after a burst of
/// connections (an abusive client's thousands of handshakes, frames of
/// megabytes) the resident size stays up long after the buffers were freed:
/// measured, 27 MiB before such a burst and 34 MiB after, 29 MiB once trimmed.
/// Every `interval` this looks at what the transport accepted and released
/// since the last trim and, past a threshold, calls `malloc_trim(0)`, which
/// returns free pages inside the arenas too. Steady traffic on long-lived
/// connections releases nothing and never triggers it.
final class MemoryTrimmer: Sendable {
    private let transport: TransportServer
    private let interval: Duration
    private let queue = DispatchQueue(label: "consenthub.memory-trim", qos: .utility)
    private let stopped = Atomic<Bool>(false)
    private let last = Mutex<(accepted: Int, released: Int)>((0, 0))
    private let trims = Atomic<Int>(0)

    /// A trim is due after this many new connections…
    static let connectionsBetweenTrims = 100
    /// …or this many buffer bytes released.
    static let releasedBytesBetweenTrims = 16 << 20

    init(transport: TransportServer, interval: Duration = .seconds(10)) {
        self.transport = transport
        self.interval = interval
    }

    func start() {
        scheduleNext()
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
    }

    /// Times `malloc_trim` has run.
    var trimCount: Int { trims.load(ordering: .relaxed) }

    private func scheduleNext() {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        queue.asyncAfter(deadline: .now() + seconds) { [weak self] in
            guard let self, !self.stopped.load(ordering: .acquiring) else { return }
            self.trimIfChurned()
            self.scheduleNext()
        }
    }

    /// Trims when enough connections came and went, or enough buffer bytes
    /// were released, since the last look. - Returns: whether it trimmed.
    @discardableResult
    func trimIfChurned() -> Bool {
        let stats = transport.stats
        let due = last.withLock { last -> Bool in
            let churned = stats.connectionsAccepted - last.accepted >= Self.connectionsBetweenTrims
                || stats.connectionBufferBytesReleased - last.released >= Self.releasedBytesBetweenTrims
            if churned { last = (stats.connectionsAccepted, stats.connectionBufferBytesReleased) }
            return churned
        }
        guard due, let trim = Allocator.mallocTrim else { return false }
        _ = trim(0)
        trims.add(1, ordering: .relaxed)
        return true
    }

    /// consentd's allocator settings, before any thread starts: a fixed mmap
    /// threshold of 256 KiB. glibc's threshold is dynamic by default: after a
    /// large block is freed it rises to that block's size (up to 32 MiB), and
    /// from then on 4 MiB frame buffers come from the arenas and stay resident
    /// after they are freed. With a fixed threshold every buffer of 256 KiB or
    /// more is its own mapping and goes back to the system when freed.
    static func configureAllocator() {
        _ = Allocator.mallopt?(Allocator.M_MMAP_THRESHOLD, 256 << 10)
    }

    /// glibc's malloc controls, which Swift's Glibc module does not export
    /// (malloc.h): looked up with dlsym, nil on a libc without them.
    private enum Allocator {
        static let M_MMAP_THRESHOLD: Int32 = -3
        typealias MallocTrim = @convention(c) (Int) -> Int32
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32

        nonisolated(unsafe) static let mallocTrim: MallocTrim? =
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map { unsafeBitCast($0, to: MallocTrim.self) }
        nonisolated(unsafe) static let mallopt: Mallopt? =
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt").map { unsafeBitCast($0, to: Mallopt.self) }
    }
}
