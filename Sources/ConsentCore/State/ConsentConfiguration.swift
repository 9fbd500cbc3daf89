/// Settings that shape decisions (not state): changing them affects new
/// commands only, never how stored events are applied.
public struct ConsentConfiguration: Hashable, Sendable {
    /// How long a request waits for an answer before it expires unanswered.
    /// Default 24 hours: a user who leaves the consent page today and comes
    /// back tomorrow should get a fresh request from the consumer.
    public var requestLifetime: Duration = .seconds(24 * 3600)
    /// How long an authorization code works when the server does not say (5 minutes).
    public var codeLifetime: Duration = .seconds(5 * 60)
    /// The longest code lifetime the server may ask for (1 hour).
    public var maximumCodeLifetime: Duration = .seconds(3600)
    /// How far in the future a reported use may lie (clocks differ): 5 minutes.
    public var clockSkew: Duration = .seconds(5 * 60)
    /// The most items in one batch command (ExchangeCodes, LogUses).
    public var maximumBatchSize: Int = 1000
    /// The most entries in one page of the events feed.
    public var maximumPageSize: Int = 1000
    /// The most resources in one request.
    public var maximumResourcesPerRequest: Int = 20
    /// The most open (unanswered, not yet recorded expired) requests one
    /// consumer may have: a runaway bank cannot grow the state and the log
    /// without bound. 100,000 is far above any lender's queue of loan
    /// applications waiting for their applicants.
    public var maximumOpenRequestsPerConsumer: Int = 100_000
    /// The wait a consumer at its open-request quota is told to take (the
    /// server sets its expiry sweep interval: expiries free places no sooner).
    public var openRequestsRetryAfter: Duration = .seconds(60)
    /// The most rows one statistics answer holds.
    public var maximumStatisticsRows: Int = 10_000

    /// The defaults.
    public init() {}
}
