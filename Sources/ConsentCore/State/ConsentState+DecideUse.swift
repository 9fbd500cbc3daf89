extension ConsentState {
    func requireUseRole(_ actor: Actor) throws(DomainError) {
        switch actor {
        case .consumer, .vendor, .dataSource: return
        default: throw .roleNotAllowed(actor, action: "log the use of a consent")
        }
    }

    /// One use (seed 003 step 8, «logUse»). O(1): a dictionary lookup and a scan
    /// of the consent's few resources.
    ///
    /// A use is accepted if the consent was live when the data was fetched, even
    /// if it is logged after a withdrawal: the log must show what really happened.
    func decideUse(_ report: UseReport, actor: Actor, now: Timestamp,
                   batch: inout UseBatch, out: inout EventBuffer) -> Result<UseReceipt, DomainError> {
        do throws(DomainError) {
            try requireUseRole(actor)
            let (slot, record) = try requireRecord(report.consent)
            let grants = tables.scopes[record.scope]
            switch actor {
            case .consumer, .vendor:
                try requireHandled(record, by: acting(actor, to: "log the use of a consent"), actor: actor)
            case .dataSource(let org):
                guard tables.scopeOwners[Int(record.scope)].contains(org.value) else { throw .notYours(record.id, actor: actor) }
                if let r = tables.currentResource(report.resource), r.owner != org, grants.contains(where: { $0.resource == report.resource }) {
                    throw .notResourceOwner(org, owner: r.owner, action: "log the use of resource \(report.resource)")
                }
            default: break
            }
            guard let position = grants.firstIndex(where: { $0.resource == report.resource }) else {
                throw .resourceNotInConsent(report.resource, consent: record.id)
            }
            var usedAt = report.usedAt.millisecondsSinceEpoch
            switch record.stored {
            case .created:
                throw record.status(at: now.millisecondsSinceEpoch) == .expired ? .requestExpired(record.id) : .consentNotGiven(record.id)
            case .rejected: throw .requestAlreadyRejected(record.id)
            case .usedUp: throw .consentUsedUp(record.id)
            case .deleted: throw .requestDeleted(record.id)
            case .accepted, .revoked, .expired:
                if record.stored == .expired && record.decidedAt == RequestRecord.none { throw .requestExpired(record.id) }
            }
            if batch.usedUp.contains(slot) { throw .consentUsedUp(record.id) }
            if usedAt < record.decidedAt {
                // A reporter whose clock runs a little behind the hub's: within
                // the skew allowed for future times, the use counts as at the
                // moment of consent (and still ends a one-time consent).
                guard record.decidedAt - usedAt <= configuration.clockSkew.wholeMilliseconds else {
                    throw .usedBeforeConsent(report.usedAt)
                }
                usedAt = record.decidedAt
            }
            let usedAtTime = Timestamp(millisecondsSinceEpoch: usedAt)
            guard report.usedAt <= now + configuration.clockSkew else { throw .usedInFuture(report.usedAt) }
            guard usedAt < record.validTo else { throw .usedAfterExpiry(report.usedAt, validTo: Timestamp(millisecondsSinceEpoch: record.validTo)) }
            if record.stored == .revoked, usedAt >= record.endedAt {
                throw .usedAfterRevocation(report.usedAt, revokedAt: Timestamp(millisecondsSinceEpoch: record.endedAt))
            }
            // Berlin Group's frequencyPerDay: counted per resource, per Norwegian
            // calendar day of the use, this batch's earlier uses included.
            var counted: DailyUseKey? = nil
            if let limit = grants[position].usesPerDay {
                let key = DailyUseKey(slot: slot, position: UInt8(truncatingIfNeeded: position), day: OsloTime.day(of: usedAtTime))
                let used = uses(of: record, slot: slot, position: key.position, on: key.day) + batch.counted[key, default: 0]
                guard used < limit else {
                    throw .dailyUseLimitReached(record.id, resource: report.resource, limit: limit, day: OsloTime.dateText(ofDay: key.day))
                }
                counted = key
            }
            let ends = record.kind == .oneTime
            if ends { batch.usedUp.insert(slot) }
            if let counted { batch.counted[counted, default: 0] += 1 }
            out.add(.consentUsed(ConsentUse(id: record.id, resource: report.resource, usedAt: usedAtTime)))
            return .success(UseReceipt(consent: record.id, resource: report.resource, usedAt: usedAtTime, endedConsent: ends))
        } catch {
            return .failure(error)
        }
    }
}

/// What one batch of uses has decided so far: the one-time consents it ended,
/// and the uses it counted against daily limits.
struct UseBatch {
    var usedUp = Set<UInt32>()
    var counted: [DailyUseKey: UInt32] = [:]
}

/// One resource of one consent on one Norwegian day.
struct DailyUseKey: Hashable {
    var slot: UInt32
    var position: UInt8
    var day: Int64
}

extension ConsentState {
    /// How many uses of a consent's resource were logged for a Norwegian day:
    /// O(1) for the latest day counted (``Tables/dailyUses``), which is what
    /// nearly every use asks; a use reported late, for an earlier day, walks
    /// the consent's events.
    func uses(of record: RequestRecord, slot: UInt32, position: UInt8, on day: Int64) -> UInt32 {
        let latest = tables.dailyUses[DailyUses.key(slot: slot, position: position)]
        if let latest, Int64(latest.day) == day { return latest.count }
        if latest == nil || Int64(latest!.day) < day { return 0 }
        var count: UInt32 = 0
        var index = record.lastEvent
        while index != RequestRecord.noSlot {
            let e = tables.log[Int(index)]
            if e.kind == .consentUsed, e.detail == position, OsloTime.day(of: Timestamp(millisecondsSinceEpoch: e.time)) == day {
                count += 1
            }
            index = e.previous
        }
        return count
    }
}
