extension ConsentState {
    /// The events feed (Altinn 3's consent events): what happened to the
    /// caller's requests (consumer) or to requests that include its resources
    /// and to its resources (data source), oldest first.
    ///
    /// - Parameters:
    ///   - cursor: the sequence number after which to read; 0 for the beginning.
    ///   - actor: a consumer, a data source, or an admin (all events).
    ///   - kinds: only these kinds, or all when `nil`.
    ///   - from: only events recorded at or after this time.
    ///   - to: only events recorded before this time.
    ///   - limit: the most entries (at most the configured page size, 1000 by default).
    /// - Returns: a page; continue with its `nextCursor`. A page may be empty
    ///   while `reachedEnd` is false when filters skipped many events: read on.
    /// - Throws: `permissionDenied` for end users; `invalidArgument` for a limit
    ///   below 1 or a reversed time range.
    public func events(after cursor: UInt64, for actor: Actor, kinds: Set<EventKind>? = nil,
                       from: Timestamp? = nil, to: Timestamp? = nil, limit: Int = 100) throws(DomainError) -> EventPage {
        guard limit >= 1 else { throw .limitInvalid(limit) }
        if let from, let to, from > to { throw .timeRangeReversed(from: from, to: to) }
        let pageSize = min(limit, configuration.maximumPageSize)
        // Bound the work of one call when filters drop most events.
        let scanBudget = max(pageSize * 20, 10_000)

        var entries: [FeedEntry] = []
        var next = cursor
        var scanned = 0
        var reachedEnd = true

        func consider(_ index: Int) -> Bool {
            let sequence = UInt64(index) + 1
            let e = tables.log[index]
            next = sequence
            scanned += 1
            if kinds?.contains(e.kind) ?? true,
               from.map({ e.time >= $0.millisecondsSinceEpoch }) ?? true,
               to.map({ e.time < $0.millisecondsSinceEpoch }) ?? true,
               usesVisible(e, to: actor) {
                entries.append(feedEntry(index))
            }
            return entries.count < pageSize && scanned < scanBudget
        }

        switch actor {
        case .admin, .system:
            var index = Int(min(cursor, UInt64(tables.log.count)))
            while index < tables.log.count {
                let more = consider(index)
                index += 1
                if !more { reachedEnd = index >= tables.log.count; break }
            }
        case .consumer(let org), .dataSource(let org):
            let list: [UInt32]
            if case .consumer = actor { list = tables.feedByConsumer[org.value] ?? [] } else { list = tables.feedByDataSource[org.value] ?? [] }
            // Indexes are ascending: find the first event after the cursor.
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if UInt64(list[mid]) + 1 <= cursor { lo = mid + 1 } else { hi = mid }
            }
            var position = lo
            while position < list.count {
                let more = consider(Int(list[position]))
                position += 1
                if !more { reachedEnd = position >= list.count; break }
            }
        case .endUser, .portal, .vendor:
            throw .roleNotAllowed(actor, action: "read the events feed (use the consent log)")
        }
        return EventPage(entries: entries, nextCursor: next, reachedEnd: reachedEnd)
    }

    /// A data source sees the uses of its own resources only: on a consent
    /// that also covers another agency's data, that agency's fetches are none
    /// of its business.
    func usesVisible(_ e: LoggedEvent, to actor: Actor) -> Bool {
        guard e.kind == .consentUsed, case .dataSource(let org) = actor else { return true }
        // A use logged for an unknown request (`apply` keeps it without a
        // subject) names no resource of anyone's; a snapshot may list it in
        // a data source's feed (found by FuzzSnapshot: it indexed past the records).
        guard e.subject != RequestRecord.noSlot else { return false }
        let grants = tables.scopes[tables.records[Int(e.subject)].scope]
        guard Int(e.detail) < grants.count else { return false }
        return tables.currentResource(grants[Int(e.detail)].resource)?.owner == org
    }

    func feedEntry(_ index: Int) -> FeedEntry {
        let e = tables.log[index]
        let org = OrganisationNumber(unchecked: e.actorOrg)
        let performer: Performer
        switch ActorRole(rawValue: e.role) ?? .system {
        case .consumer: performer = .consumer(org)
        case .dataSource: performer = .dataSource(org)
        case .endUser: performer = .endUser
        case .portal: performer = .portal(org)
        case .vendor: performer = .vendor(org)
        case .admin: performer = .admin(org)
        case .system: performer = .system
        }
        var entry = FeedEntry(sequence: UInt64(index) + 1, kind: e.kind, time: Timestamp(millisecondsSinceEpoch: e.time),
                              requestID: nil, resource: nil, consumer: nil, performedBy: performer, vendor: nil)
        switch e.kind {
        case .vendorAuthorised, .vendorDeauthorised:
            if e.subject != RequestRecord.noSlot {
                let v = tables.vendorLog[Int(e.subject)]
                entry.consumer = OrganisationNumber(unchecked: v.consumer)
                entry.vendor = OrganisationNumber(unchecked: v.vendor)
            }
        case .resourceRegistered, .consumerAuthorised, .consumerDeauthorised:
            if e.subject != RequestRecord.noSlot {
                let r = tables.registryLog[Int(e.subject)]
                entry.resource = r.resource
                if r.consumer != 0 { entry.consumer = OrganisationNumber(unchecked: r.consumer) }
            }
        default:
            if e.subject != RequestRecord.noSlot {
                let record = tables.records[Int(e.subject)]
                entry.requestID = record.id
                entry.consumer = OrganisationNumber(unchecked: record.consumer)
                if e.kind == .consentUsed {
                    let grants = tables.scopes[record.scope]
                    if Int(e.detail) < grants.count { entry.resource = grants[Int(e.detail)].resource }
                }
            }
        }
        return entry
    }
}
