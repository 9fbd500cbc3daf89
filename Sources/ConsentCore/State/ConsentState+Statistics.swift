extension ConsentState {
    /// Statistics from the events (seed 002 promises service owners
    /// statistics; issue 12): consents given, rejected, withdrawn, ended by
    /// their consumer, and uses, per resource per Norwegian day or month. Counts
    /// only: no person, no consumer, no request is named.
    ///
    /// The counts are kept as events are applied (a few bytes per resource per
    /// day, nothing per consent), so a query reads a small table, never the log.
    ///
    /// - Parameters:
    ///   - actor: a data source (its own resources) or an admin (all).
    ///   - resource: one resource only; nil for all the actor may see.
    ///   - from: only days (or months) on or after this instant's Norwegian date.
    ///   - to: only days before this instant's Norwegian date.
    ///   - period: count by day or by month.
    /// - Returns: rows with any count, ordered by resource, then period.
    /// - Throws: `role_not_allowed`; `resource_not_owned` for another data
    ///   source's resource; `time_range_reversed`; `statistics_too_many_rows`
    ///   (OUT_OF_RANGE) beyond the configured maximum (10,000 rows).
    public func statistics(visibleTo actor: Actor, resource: ResourceID? = nil, from: Timestamp? = nil, to: Timestamp? = nil,
                           period: StatisticsPeriod = .day) throws(DomainError) -> [StatisticsRow] {
        let owner: OrganisationNumber?
        switch actor {
        case .dataSource(let org): owner = org
        case .admin, .system: owner = nil
        default: throw .roleNotAllowed(actor, action: "read statistics")
        }
        if let from, let to, from > to { throw .timeRangeReversed(from: from, to: to) }
        if let resource, let owner {
            let definition = try self.resource(resource)
            guard definition.owner == owner else {
                throw .notResourceOwner(owner, owner: definition.owner, action: "read the statistics of resource \(resource)")
            }
        }
        let first = from.map { OsloTime.day(of: $0) } ?? .min
        let end = to.map { OsloTime.day(of: $0) } ?? .max
        var rows: [StatisticsKey: StatisticsCounts] = [:]
        for (key, counts) in tables.statistics {
            let day = Int64(key.day)
            guard day >= first, day < end else { continue }
            if let resource, key.resource != resource { continue }
            if let owner, tables.currentResource(key.resource)?.owner != owner { continue }
            var bucket = key
            if period == .month {
                let (year, month, _) = CivilTime.civil(fromDays: day)
                bucket.day = Int32(truncatingIfNeeded: CivilTime.days(fromYear: year, month: month, day: 1))
            }
            rows[bucket, default: StatisticsCounts()].add(counts)
            guard rows.count <= configuration.maximumStatisticsRows else {
                throw .statisticsTooManyRows(rows.count, maximum: configuration.maximumStatisticsRows)
            }
        }
        return rows.sorted { ($0.key.resource, $0.key.day) < ($1.key.resource, $1.key.day) }.map { key, counts in
            let (year, month, day) = CivilTime.civil(fromDays: Int64(key.day))
            let text = period == .day ? "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" : "\(pad(year, 4))-\(pad(month, 2))"
            return StatisticsRow(resource: key.resource, period: text, counts: counts)
        }
    }

    /// How many of a person's requests and consents are in each state now
    /// (or an organisation's they may sign for): the portal's summary. Walks
    /// the person's own list, as ``consents(of:party:language:at:)`` does.
    /// - Throws: as ``consents(of:party:language:at:)``.
    public func consentCounts(of actor: Actor, party: PartyID? = nil, at now: Timestamp) throws(DomainError) -> ConsentCounts {
        let key = try partyKey(actor, party)
        var counts = ConsentCounts(byStatus: [:], endedByConsumer: 0)
        var slot = tables.lastSlotByParty[key] ?? RequestRecord.noSlot
        while slot != RequestRecord.noSlot {
            let record = tables.records[Int(slot)]
            slot = record.previousOfParty
            guard record.stored != .deleted else { continue }
            let status = record.status(at: now.millisecondsSinceEpoch)
            counts.byStatus[status, default: 0] += 1
            if status == .revoked, endedByConsumer(record) { counts.endedByConsumer += 1 }
        }
        return counts
    }
}
