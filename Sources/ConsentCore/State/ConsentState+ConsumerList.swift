extension ConsentState {
    /// A consumer's own requests and consents, oldest first, a page after a
    /// cursor (Altinn 3's consumer list; digdir/roadmap#550).
    ///
    /// It walks the consumer's feed, which already lists every event of its
    /// requests, and takes the `requestCreated` ones: no index of its own, so
    /// it costs no memory per consent. The cursor is the sequence number of a
    /// feed event, as in ``events(after:for:kinds:from:to:limit:)``.
    ///
    /// - Parameters:
    ///   - actor: the consumer, or a vendor acting for it (which sees only the
    ///     requests within its mandate).
    ///   - cursor: the sequence number after which to read; 0 for the beginning.
    ///   - filter: status now, resource, creation time.
    ///   - limit: the most requests (at most the configured page size).
    ///   - now: the time statuses are computed at.
    /// - Returns: a page; it may be short, even empty, with `reachedEnd` false
    ///   when the filters skipped many requests (the scan per call is bounded).
    /// - Throws: `permissionDenied` `role_not_allowed` for other actors;
    ///   `invalidArgument` for a limit below 1 or a reversed time range.
    public func requests(of actor: Actor, after cursor: UInt64, filter: RequestFilter = RequestFilter(),
                         limit: Int = 100, at now: Timestamp) throws(DomainError) -> RequestPage {
        let acting = try acting(actor, to: "list a consumer's requests")
        guard limit >= 1 else { throw .limitInvalid(limit) }
        if let from = filter.createdFrom, let to = filter.createdBefore, from > to { throw .timeRangeReversed(from: from, to: to) }
        let pageSize = min(limit, configuration.maximumPageSize)
        // About four feed events per consent: bound the work when filters drop most.
        let scanBudget = max(pageSize * 80, 40_000)
        let t = now.millisecondsSinceEpoch
        let list = tables.feedByConsumer[acting.consumer.value] ?? []
        var position = firstPosition(in: list, after: cursor)
        var out: [RequestView] = []
        var next = cursor
        var scanned = 0
        while position < list.count, out.count < pageSize, scanned < scanBudget {
            let index = Int(list[position])
            position += 1
            scanned += 1
            next = UInt64(index) + 1
            let e = tables.log[index]
            guard e.kind == .requestCreated, e.subject != RequestRecord.noSlot else { continue }
            let record = tables.records[Int(e.subject)]
            // A vendor sees the requests it may handle, and no others.
            if acting.vendor != nil, !mayHandle(record, by: acting) { continue }
            if let from = filter.createdFrom, record.createdAt < from.millisecondsSinceEpoch { continue }
            if let to = filter.createdBefore, record.createdAt >= to.millisecondsSinceEpoch { continue }
            if let statuses = filter.statuses, !statuses.contains(record.status(at: t)) { continue }
            if let resource = filter.resource, !tables.scopes[record.scope].contains(where: { $0.resource == resource }) { continue }
            out.append(view(of: record, at: now))
        }
        return RequestPage(requests: out, nextCursor: next, reachedEnd: position >= list.count)
    }

    /// The position of the first feed index whose sequence number is after `cursor`.
    func firstPosition(in list: [UInt32], after cursor: UInt64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if UInt64(list[mid]) + 1 <= cursor { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
