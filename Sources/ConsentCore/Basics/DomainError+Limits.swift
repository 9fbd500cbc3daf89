/// Refusals of usage limits (Berlin Group's `frequencyPerDay`) and of statistics queries.
extension DomainError {
    static func usesPerDayOutOfRange(_ value: UInt32, maximum: UInt32) -> DomainError {
        DomainError(.outOfRange, reason: "uses_per_day_out_of_range",
                    message: "A limit of \(value) uses per day is not allowed; give 1 to \(maximum), or none for no limit.")
    }

    static func usesPerDayBeyondMaximum(_ value: UInt32, resource: ResourceID, maximum: UInt32) -> DomainError {
        DomainError(.outOfRange, reason: "uses_per_day_beyond_maximum",
                    message: "The request asks for \(value) uses per day, but resource \(resource) allows at most \(maximum); a request may lower a resource's limit, not raise it.")
    }

    static func dailyUseLimitReached(_ id: RequestID, resource: ResourceID, limit: UInt32, day: String) -> DomainError {
        DomainError(.resourceExhausted, reason: "daily_use_limit_reached",
                    message: "Consent \(id) allows \(limit) \(limit == 1 ? "use" : "uses") of resource \(resource) per day, and \(limit) \(limit == 1 ? "was" : "were") logged on \(day) (Norwegian time); the next use is allowed the next day.")
    }

    static func statisticsTooManyRows(_ count: Int, maximum: Int) -> DomainError {
        DomainError(.outOfRange, reason: "statistics_too_many_rows",
                    message: "The statistics asked for have \(count) rows; at most \(maximum) are sent at once. Narrow the time range, name a resource, or count by month.")
    }
}
