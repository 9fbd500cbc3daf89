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
                   usedUpInBatch: inout Set<UInt32>, out: inout EventBuffer) -> Result<UseReceipt, DomainError> {
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
            guard grants.contains(where: { $0.resource == report.resource }) else {
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
            if usedUpInBatch.contains(slot) { throw .consentUsedUp(record.id) }
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
            let ends = record.kind == .oneTime
            if ends { usedUpInBatch.insert(slot) }
            out.add(.consentUsed(ConsentUse(id: record.id, resource: report.resource, usedAt: usedAtTime)))
            return .success(UseReceipt(consent: record.id, resource: report.resource, usedAt: usedAtTime, endedConsent: ends))
        } catch {
            return .failure(error)
        }
    }
}
