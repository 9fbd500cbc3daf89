/// A point in time: milliseconds since the Unix epoch, UTC.
///
/// Every event, deadline and validity limit in ConsentCore is a `Timestamp`.
/// It is a plain integer on purpose: it encodes in a few bytes, compares in one
/// instruction and never depends on a time zone database. Local Norwegian time
/// is derived only when a text is rendered (see ``OsloTime``).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Creates a timestamp from whole seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = secondsSinceEpoch.multipliedReportingOverflow(by: 1000).overflow
            ? (secondsSinceEpoch < 0 ? .min : .max)
            : secondsSinceEpoch * 1000
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// This timestamp moved by a number of milliseconds, saturating at the ends of `Int64`.
    public func adding(milliseconds: Int64) -> Timestamp {
        let (sum, overflow) = millisecondsSinceEpoch.addingReportingOverflow(milliseconds)
        if overflow { return Timestamp(millisecondsSinceEpoch: milliseconds < 0 ? .min : .max) }
        return Timestamp(millisecondsSinceEpoch: sum)
    }

    /// This timestamp moved by a duration (rounded down to whole milliseconds).
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        lhs.adding(milliseconds: rhs.wholeMilliseconds)
    }

    /// This timestamp moved back by a duration.
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        lhs.adding(milliseconds: -rhs.wholeMilliseconds)
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2017-10-25T08:30:00.000Z`.
    public var description: String {
        let parts = CivilTime(utcMilliseconds: millisecondsSinceEpoch)
        return parts.isoText + "Z"
    }
}

extension Duration {
    /// The duration in whole milliseconds, saturating at the ends of `Int64`.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = ms.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return sum
    }
}
