#if canImport(Glibc)
import Glibc
#endif
import ConsentCore

/// The real time, for the running server (tests inject ConsentCore's `ManualClock`).
public struct SystemClock: WallClock, Sendable {
    public init() {}

    public func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }
}
