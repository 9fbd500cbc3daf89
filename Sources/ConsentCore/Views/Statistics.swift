/// How often consents to a resource were given, refused, withdrawn, ended
/// and used in a period: counts only, no personal data (seed 002 promises
/// service owners statistics).
public struct StatisticsCounts: Hashable, Sendable {
    /// Consents given (requests accepted).
    public var given: UInt32 = 0
    /// Requests the person refused.
    public var rejected: UInt32 = 0
    /// Consents the person (or the support desk) withdrew.
    public var withdrawn: UInt32 = 0
    /// Consents their consumer ended (issue 12).
    public var ended: UInt32 = 0
    /// Uses logged, counted on the day the data was fetched.
    public var used: UInt32 = 0

    public init() {}

    /// One of the counters (a switch, not a key path: this runs for every use applied).
    enum Counter { case given, rejected, withdrawn, ended, used }

    /// Adds one to a counter (wrapping at 2³², which no resource reaches in a day).
    mutating func add(_ counter: Counter) {
        switch counter {
        case .given: given &+= 1
        case .rejected: rejected &+= 1
        case .withdrawn: withdrawn &+= 1
        case .ended: ended &+= 1
        case .used: used &+= 1
        }
    }

    /// The sum of two periods' counts (saturating).
    mutating func add(_ other: StatisticsCounts) {
        given = given.addingReportingOverflow(other.given).overflow ? .max : given + other.given
        rejected = rejected.addingReportingOverflow(other.rejected).overflow ? .max : rejected + other.rejected
        withdrawn = withdrawn.addingReportingOverflow(other.withdrawn).overflow ? .max : withdrawn + other.withdrawn
        ended = ended.addingReportingOverflow(other.ended).overflow ? .max : ended + other.ended
        used = used.addingReportingOverflow(other.used).overflow ? .max : used + other.used
    }
}

/// The period statistics are counted by.
public enum StatisticsPeriod: Hashable, Sendable {
    /// Norwegian calendar days.
    case day
    /// Norwegian calendar months.
    case month
}

/// One row of statistics: a resource in a period.
public struct StatisticsRow: Hashable, Sendable {
    /// The resource.
    public var resource: ResourceID
    /// The period: `2025-06-02` (a day) or `2025-06` (a month), Norwegian time.
    public var period: String
    /// The counts.
    public var counts: StatisticsCounts
}

/// A resource on a Norwegian day: the key of the statistics table.
struct StatisticsKey: Hashable, Sendable {
    var resource: ResourceID
    /// ``OsloTime/day(of:)``.
    var day: Int32
}

/// How many of a person's requests and consents are in each state, as the
/// portal shows on its front page.
public struct ConsentCounts: Hashable, Sendable {
    /// The count per status now (deleted requests are not the person's: never counted).
    public var byStatus: [ConsentStatus: Int]
    /// Of the revoked ones, how many their consumer ended.
    public var endedByConsumer: Int
}
