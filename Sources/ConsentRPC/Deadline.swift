#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock, in nanoseconds. Deadlines travel as remaining
/// time and are turned into a local instant on arrival, so the two sides'
/// wall clocks never need to agree.
public struct MonotonicInstant: Hashable, Comparable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func now() -> MonotonicInstant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicInstant(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    public func adding(milliseconds: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ milliseconds &* 1_000_000)
    }

    public func adding(nanoseconds delta: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ delta)
    }

    /// Nanoseconds from `self` to `later`, 0 if `later` is not later.
    public func nanoseconds(until later: MonotonicInstant) -> UInt64 {
        later.nanoseconds > nanoseconds ? later.nanoseconds - nanoseconds : 0
    }
}

/// When a call must be finished by, on this side's monotonic clock.
public struct Deadline: Hashable, Comparable, Sendable {
    public var instant: MonotonicInstant

    public init(_ instant: MonotonicInstant) {
        self.instant = instant
    }

    /// The deadline `milliseconds` from `now`; nil for 0, which on the wire means "none".
    public static func fromWire(milliseconds: UInt32, now: MonotonicInstant = .now()) -> Deadline? {
        milliseconds == 0 ? nil : Deadline(now.adding(milliseconds: UInt64(milliseconds)))
    }

    public static func after(milliseconds: UInt64, now: MonotonicInstant = .now()) -> Deadline {
        Deadline(now.adding(milliseconds: milliseconds))
    }

    /// What to put in `Request.deadline_ms`: the remaining time, rounded up so a
    /// deadline that has not passed never becomes "none", and at least 1.
    public func wireMilliseconds(now: MonotonicInstant = .now()) -> UInt32 {
        let remaining = now.nanoseconds(until: instant)
        let ms = (remaining + 999_999) / 1_000_000
        return UInt32(clamping: max(ms, 1))
    }

    public func hasPassed(now: MonotonicInstant = .now()) -> Bool { instant <= now }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.instant < b.instant }
}
