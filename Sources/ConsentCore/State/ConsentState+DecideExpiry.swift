extension ConsentState {
    /// Marks due requests and consents expired, so the feed and the log show it.
    ///
    /// Status is computed on read anyway (a consent is expired the instant its
    /// validity ends, whether or not this runs); the events are the record.
    func decideExpiry(limit: Int, actor: Actor, now: Timestamp, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        switch actor {
        case .system, .admin: break
        default: throw .roleNotAllowed(actor, action: "expire consents")
        }
        guard limit >= 1 else { throw .limitInvalid(limit) }
        let cap = min(limit, configuration.maximumBatchSize * 100)
        var seen = Set<UInt32>()
        var count = 0
        let t = now.millisecondsSinceEpoch
        tables.deadlines.forEachDue(at: t) { entry in
            guard tables.isPending(entry), !seen.contains(entry.slot) else { return true }
            let record = tables.records[Int(entry.slot)]
            if record.stored == .created, record.answerBy <= t {
                out.add(.requestExpired(record.id))
            } else if record.stored == .accepted, record.validTo <= t {
                out.add(.consentExpired(record.id))
            } else {
                return true
            }
            seen.insert(entry.slot)
            count += 1
            return count < cap
        }
        return .expired(count: count)
    }
}
