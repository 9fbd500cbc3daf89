extension ConsentState {
    // MARK: Requests

    /// A request's status and facts ("get status", seed 002 step 5: "banken vil
    /// kunne sjekke status på samtykket uavhengig av redirect").
    /// - Throws: `notFound` for an unknown id; `permissionDenied` when the actor
    ///   is not its consumer, one of its data sources, its user or an admin.
    public func request(_ id: RequestID, by actor: Actor, at now: Timestamp) throws(DomainError) -> RequestView {
        let (_, record) = try requireRecord(id)
        try requireReadable(record, actor: actor)
        var view = view(of: record, at: now)
        // A data source learns who the person is once they have consented (the
        // token names them anyway), not who applied to which bank and then
        // said no or never answered.
        if case .dataSource = actor, record.decidedAt == RequestRecord.none || record.stored == .rejected {
            view.offeredBy = nil
        }
        return view
    }

    func view(of record: RequestRecord, at now: Timestamp) -> RequestView {
        RequestView(
            id: record.id,
            status: record.status(at: now.millisecondsSinceEpoch),
            consumer: OrganisationNumber(unchecked: record.consumer),
            offeredBy: record.party,
            resources: tables.scopes[record.scope],
            redirectURL: tables.strings[record.redirect].value,
            purpose: tables.strings[record.purpose].value,
            language: record.requestLanguage,
            kind: record.kind,
            createdAt: Timestamp(millisecondsSinceEpoch: record.createdAt),
            answerBy: Timestamp(millisecondsSinceEpoch: record.answerBy),
            validTo: Timestamp(millisecondsSinceEpoch: record.validTo),
            decidedAt: record.decidedAt == RequestRecord.none ? nil : Timestamp(millisecondsSinceEpoch: record.decidedAt),
            endedAt: record.endedAt == RequestRecord.none ? nil : Timestamp(millisecondsSinceEpoch: record.endedAt),
            handledBy: record.handledBy == 0 ? nil : OrganisationNumber(unchecked: record.handledBy),
            requiredDelegator: tables.requiredDelegators[record.id],
            answerAuthority: tables.answerAuthorities[record.id] ?? [],
            purposeTexts: tables.purposeTexts[record.id] ?? LocalizedText(bokmal: nil),
            answerLanguage: record.answerLanguage,
            template: tables.requestTemplates[record.id])
    }

    // MARK: Tokens

    /// The facts for a fresh token for a live consent (seed 003 figure 2,
    /// "gjenbruk av samtykke": while the consent is valid the consumer may fetch
    /// data again without asking the user).
    /// - Throws: `permissionDenied` unless the actor is the consent's consumer (or
    ///   an admin); `failedPrecondition` when it is not live (not given, rejected,
    ///   withdrawn, expired, or a used one-time consent).
    public func tokenFacts(for id: RequestID, by actor: Actor, at now: Timestamp) throws(DomainError) -> TokenFacts {
        let (_, record) = try requireRecord(id)
        var handledBy: OrganisationNumber? = nil
        switch actor {
        case .consumer, .vendor:
            let acting = try acting(actor, to: "get a token for a consent")
            try requireHandled(record, by: acting, actor: actor)
            handledBy = acting.vendor
        case .admin: break
        default: throw .roleNotAllowed(actor, action: "get a token for a consent")
        }
        return try liveFacts(record, at: now, handledBy: handledBy)
    }

    /// The online check of a data source (seed 003 step 7: "NAV sjekker om
    /// samtykke tokenet er gyldig og at sluttbruker har samtykket til at
    /// forespurt informasjon kan utleveres"): the consent is live, the data
    /// source owns one of its resources, and covers the asked resource and metadata.
    ///
    /// Metadata is covered when each asked value equals the consent's; for a
    /// date range (`fraOgMed`/`tilOgMed`) an asked date inside the consented
    /// period is covered too.
    /// - Returns: the consent's facts.
    /// - Throws: `permissionDenied` (`not_yours`, `resource_not_owned`),
    ///   `failedPrecondition` (not live), `permissionDenied`
    ///   (`resource_not_in_consent`, `metadata_not_covered`).
    public func checkLive(_ id: RequestID, by actor: Actor, resource: ResourceID? = nil,
                          metadata: [MetadataValue] = [], at now: Timestamp) throws(DomainError) -> TokenFacts {
        let (slot, record) = try requireRecord(id)
        switch actor {
        case .dataSource(let org):
            guard tables.scopeOwners[Int(record.scope)].contains(org.value) else { throw .notYours(id, actor: actor) }
        case .admin: break
        default: throw .roleNotAllowed(actor, action: "verify a consent online")
        }
        let facts = try liveFacts(record, at: now)
        let today = OsloTime.day(of: now)
        guard let resourceID = resource else {
            guard metadata.isEmpty else { throw .metadataWithoutResource() }
            // Live, but nothing the caller serves may be used again today: say so.
            var mine: [Int] = []
            for (position, grant) in facts.resources.enumerated() {
                if case .dataSource(let org) = actor, tables.currentResource(grant.resource)?.owner != org { continue }
                mine.append(position)
            }
            if let first = mine.first, mine.allSatisfy({ usesLeft(record, slot: slot, position: $0, on: today) == 0 }) {
                throw dailyLimitReached(record, position: first, on: today)
            }
            return facts
        }
        guard let position = facts.resources.firstIndex(where: { $0.resource == resourceID }) else {
            throw .resourceNotInConsent(resourceID, consent: id)
        }
        let grant = facts.resources[position]
        if case .dataSource(let org) = actor, let r = tables.currentResource(resourceID), r.owner != org {
            throw .notResourceOwner(org, owner: r.owner, action: "verify consents to resource \(resourceID)")
        }
        // Berlin Group's frequencyPerDay: a use now would be refused, so the token serves nothing today.
        if usesLeft(record, slot: slot, position: position, on: today) == 0 {
            throw dailyLimitReached(record, position: position, on: today)
        }
        let definition = tables.resource(grant.resource, version: grant.version)
        for asked in metadata {
            guard covers(grant, asked, definition: definition) else { throw .metadataNotCovered(resourceID, key: asked.key) }
        }
        return facts
    }

    /// How many more uses of a consent's resource its daily limit allows on a
    /// Norwegian day; nil when the resource has no limit.
    func usesLeft(_ record: RequestRecord, slot: UInt32, position: Int, on day: Int64) -> UInt32? {
        guard let limit = tables.scopes[record.scope][position].usesPerDay else { return nil }
        let used = uses(of: record, slot: slot, position: UInt8(truncatingIfNeeded: position), on: day)
        return used >= limit ? 0 : limit - used
    }

    func dailyLimitReached(_ record: RequestRecord, position: Int, on day: Int64) -> DomainError {
        let grant = tables.scopes[record.scope][position]
        return .dailyUseLimitReached(record.id, resource: grant.resource, limit: grant.usesPerDay ?? 0, day: OsloTime.dateText(ofDay: day))
    }

    private func covers(_ grant: ResourceGrant, _ asked: MetadataValue, definition: Resource?) -> Bool {
        guard let consented = grant.value(for: asked.key) else { return false }
        if consented == asked.value { return true }
        guard let definition, let askedDay = CivilTime.dayNumber(norwegianDate: asked.value) else { return false }
        for range in definition.dateRanges where range.fromKey == asked.key || range.toKey == asked.key {
            guard let from = grant.value(for: range.fromKey).flatMap(CivilTime.dayNumber(norwegianDate:)),
                  let to = grant.value(for: range.toKey).flatMap(CivilTime.dayNumber(norwegianDate:))
            else { return false }
            return askedDay >= from && askedDay <= to
        }
        return false
    }

    // MARK: Registry

    /// The resources an actor may see: a data source its own, a consumer those it
    /// is authorised for, end users and admins all (the definitions are public texts).
    public func resources(visibleTo actor: Actor) -> [Resource] {
        let all = tables.resources.values.compactMap(\.last).sorted { $0.id < $1.id }
        switch actor {
        case .dataSource(let org): return all.filter { $0.owner == org }
        case .consumer(let org): return all.filter { tables.authorisations[$0.id]?[org.value] != nil }
        case .vendor(let vendor, let consumer):
            let mandate = tables.vendors[consumer.value]?[vendor.value]?.resources ?? []
            return all.filter { mandate.contains($0.id) }
        case .endUser, .portal, .admin, .system: return all
        }
    }

    /// A resource's current definition.
    /// - Throws: `notFound` `resource_unknown`.
    public func resource(_ id: ResourceID) throws(DomainError) -> Resource {
        guard let r = tables.currentResource(id) else { throw .resourceUnknown(id) }
        return r
    }

    /// Authorisations (the rettighetsregister): a data source sees those of its
    /// resources, a consumer its own, an admin all; optionally for one resource.
    /// - Throws: `permissionDenied` for end users.
    public func authorisations(visibleTo actor: Actor, resource: ResourceID? = nil) throws(DomainError) -> [ConsumerAuthorisation] {
        switch actor {
        case .endUser, .portal, .vendor: throw .roleNotAllowed(actor, action: "list consumer authorisations")
        case .consumer, .dataSource, .admin, .system: break
        }
        var out: [ConsumerAuthorisation] = []
        for (id, byConsumer) in tables.authorisations where resource == nil || resource == id {
            for a in byConsumer.values {
                switch actor {
                case .dataSource(let org): if tables.currentResource(id)?.owner == org { out.append(a) }
                case .consumer(let org): if a.consumer == org { out.append(a) }
                default: out.append(a)
                }
            }
        }
        return out.sorted { ($0.resource, $0.consumer) < ($1.resource, $1.consumer) }
    }
}
