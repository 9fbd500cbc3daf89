import ConsentCore
import ConsentRPC
import ConsentServer
import Synchronization

/// The time of an in-process hub, moved only by the test: the wall clock the
/// services decide, render and sign at, and the monotonic clock call
/// deadlines are measured on, advanced together.
///
/// ConsentCore's `ManualClock` is a value; a hub keeps a copy of what it is
/// given, so tests need this shared one to move the hub's time.
public final class TestClock: WallClock, Sendable {
    private let state: Mutex<(wall: Timestamp, monotonic: MonotonicInstant)>

    /// A clock showing `start` (by default the real time now, to the
    /// millisecond, so requests built from `Date()` stay in range).
    public init(_ start: Timestamp = SystemClock().now()) {
        state = Mutex((start, MonotonicInstant(nanoseconds: 1_000_000_000)))
    }

    public func now() -> Timestamp { state.withLock { $0.wall } }

    /// The instant deadlines are measured from.
    public var monotonicNow: MonotonicInstant { state.withLock { $0.monotonic } }

    /// Moves both clocks forward by `duration` (which must not be negative:
    /// a monotonic clock never goes back).
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a test clock moves forward only")
        let nanoseconds = Self.nanoseconds(duration)
        state.withLock { time in
            time.wall = time.wall + duration
            time.monotonic = time.monotonic.adding(nanoseconds: nanoseconds)
        }
    }

    /// `duration` in whole nanoseconds (not negative).
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
