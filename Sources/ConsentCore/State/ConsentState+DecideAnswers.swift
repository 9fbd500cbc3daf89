extension ConsentState {
    /// Accept or reject (seed 002 step 3: "Lånesøker logger inn i Altinn og gir samtykke").
    func decideAnswer(_ id: RequestID, accept: Bool, code: CodeGrant?, onBehalfOf: OrganisationNumber?, language: Language? = nil,
                      actor: Actor, now: Timestamp, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        guard case .endUser(let user) = actor else {
            throw .roleNotAllowed(actor, action: accept ? "accept a consent request" : "reject a consent request")
        }
        let (slot, record) = try requireRecord(id)
        let status = record.status(at: now.millisecondsSinceEpoch)

        guard status == .created else {
            // Answered before: only its own party may learn how.
            try requireReadable(record, actor: actor)
            switch (status, accept) {
            case (.accepted, true):
                return .answer(ConsentAnswer(request: view(of: record, at: now), accepted: true, isRepeat: true))
            case (.rejected, false):
                return .answer(ConsentAnswer(request: view(of: record, at: now), accepted: false, isRepeat: true))
            case (.rejected, true): throw .requestAlreadyRejected(id)
            case (.accepted, false): throw .requestAlreadyAccepted(id)
            case (.revoked, _): throw .consentRevoked(id, byConsumer: endedByConsumer(record))
            case (.usedUp, _): throw .consentUsedUp(id)
            case (.deleted, _): throw .requestDeleted(id)
            default: throw record.decidedAt == RequestRecord.none ? .requestExpired(id) : .consentExpired(id)
            }
        }

        let party = try answeringParty(user, slot: slot, record: record, onBehalfOf: onBehalfOf)
        let authority = try answerAuthority(user, party: party, record: record)
        var after = record
        after.decidedAt = now.millisecondsSinceEpoch
        after.offeredBy = party.key
        after.answerLanguage = language

        guard accept else {
            out.add(.requestRejected(id: id, party: party, authority: authority, language: language))
            after.stored = .rejected
            var answered = view(of: after, at: now)
            answered.answerAuthority = authority
            return .answer(ConsentAnswer(request: answered, accepted: false, isRepeat: false))
        }

        // Seed 003: NAV requires login at level 4 to consent.
        let required = requiredAssuranceLevel(of: record)
        guard user.assuranceLevel >= required else { throw .assuranceLevelTooLow(required, actual: user.assuranceLevel) }

        let grant = code ?? CodeGrant(codeHash: [])
        guard let hash = SHA256Digest(bytes: grant.codeHash) else { throw .codeHashMalformed(grant.codeHash.count) }
        guard tables.codes[hash] == nil else { throw .codeHashInUse() }
        let expiresAt = grant.expiresAt ?? (now + configuration.codeLifetime)
        guard expiresAt > now, expiresAt <= now + configuration.maximumCodeLifetime else {
            throw .codeExpiryOutOfRange(expiresAt, maximum: configuration.maximumCodeLifetime)
        }
        out.add(.requestAccepted(RequestAccepted(id: id, party: party, codeHash: hash, codeExpiresAt: expiresAt, authority: authority, language: language)))
        after.stored = .accepted
        var answered = view(of: after, at: now)
        answered.answerAuthority = authority
        return .answer(ConsentAnswer(request: answered, accepted: true, isRepeat: false))
    }

    /// Withdraw (seed 000: "Bruker har mulighet for å trekke et samtykke som
    /// ikke er utløpt"), by the person or the support desk; or end it for
    /// its consumer, which no longer needs it (Open Banking's consent DELETE,
    /// CDR's arrangement revocation).
    func decideRevoke(_ id: RequestID, actor: Actor, now: Timestamp, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        let byConsumer: Bool
        switch actor {
        case .endUser, .admin: byConsumer = false
        case .consumer, .vendor: byConsumer = true
        default: throw .roleNotAllowed(actor, action: "withdraw a consent")
        }
        let (_, record) = try requireRecord(id)
        try requireReadable(record, actor: actor)
        switch record.status(at: now.millisecondsSinceEpoch) {
        case .accepted:
            // DESIGN §2: a one-time consent cannot be withdrawn; it ends at its
            // first use. Its consumer may still give it up unused: that only
            // takes away what the consumer itself could do.
            guard record.kind != .oneTime || byConsumer else { throw .oneTimeCannotBeRevoked(id, usedUp: false) }
            out.add(.consentRevoked(id))
            var after = record
            after.stored = .revoked
            after.endedAt = now.millisecondsSinceEpoch
            return .revoked(view(of: after, at: now))
        case .revoked:
            return .revoked(view(of: record, at: now))
        case .created: throw .revokeNotAccepted(id)
        case .rejected: throw .requestAlreadyRejected(id)
        case .usedUp: throw .oneTimeCannotBeRevoked(id, usedUp: true)
        case .deleted: throw .requestDeleted(id)
        case .expired:
            throw record.decidedAt == RequestRecord.none ? .requestExpired(id) : .consentExpired(id)
        }
    }

    /// Delete a request nobody has answered (Altinn 3's `deleted`): the
    /// consumer changed its mind, or asked the wrong person. The request
    /// leaves the person's list and can never be accepted.
    func decideDelete(_ id: RequestID, actor: Actor, now: Timestamp, out: inout EventBuffer) throws(DomainError) -> CommandResult {
        let acting = try acting(actor, to: "delete a consent request")
        let (_, record) = try requireRecord(id)
        try requireHandled(record, by: acting, actor: actor)
        switch record.status(at: now.millisecondsSinceEpoch) {
        case .created:
            out.add(.requestDeleted(id))
            var after = record
            after.stored = .deleted
            after.endedAt = now.millisecondsSinceEpoch
            return .deleted(view(of: after, at: now))
        case .deleted:
            return .deleted(view(of: record, at: now))
        case .accepted: throw .acceptedNotDeletable(id)
        case .rejected: throw .requestAlreadyRejected(id)
        case .revoked: throw .consentRevoked(id, byConsumer: endedByConsumer(record))
        case .usedUp: throw .consentUsedUp(id)
        case .expired:
            throw record.decidedAt == RequestRecord.none ? .requestExpired(id) : .consentExpired(id)
        }
    }

    /// The highest login level any resource of the request needs.
    func requiredAssuranceLevel(of record: RequestRecord) -> AssuranceLevel {
        var level = AssuranceLevel(unchecked: 1)
        for grant in tables.scopes[record.scope] {
            if let r = tables.resource(grant.resource, version: grant.version), r.requiredAssuranceLevel > level {
                level = r.requiredAssuranceLevel
            }
        }
        return level
    }
}
