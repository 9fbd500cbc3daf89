/// The source of the current time, injected so that tests control it.
///
/// ConsentCore never reads a clock itself: ``ConsentState/decide(_:by:at:using:)``
/// takes the time as an argument and ``ConsentEngine`` asks its `WallClock`.
/// (Named `WallClock` so that it does not shadow the standard library's `Clock`.)
public protocol WallClock {
    /// The current time, UTC.
    func now() -> Timestamp
}

/// A clock that stands still until told to move: for tests and simulations.
public struct ManualClock: WallClock, Sendable {
    /// The time the clock shows.
    public var current: Timestamp

    /// Creates a clock showing `start`.
    public init(_ start: Timestamp) {
        self.current = start
    }

    public func now() -> Timestamp { current }

    /// Moves the clock forward (or back, for a negative duration).
    public mutating func advance(by duration: Duration) {
        current = current + duration
    }
}
