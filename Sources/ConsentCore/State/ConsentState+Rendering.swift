extension ConsentState {
    /// A request rendered for the consent page, in a language.
    ///
    /// - Parameters:
    ///   - id: the request.
    ///   - actor: the end user it is offered to (or its consumer, a data source of
    ///     one of its resources, an admin: for previews and support).
    ///   - language: the language asked for; when `nil`, the request's
    ///     `LanguageCode`, else Bokmål. A resource text missing in that language
    ///     falls back to Bokmål.
    ///   - now: the current time (validity starts now for a request not yet answered).
    /// - Throws: `notFound`; `permissionDenied` for someone else's request;
    ///   `unauthenticated` when a `UserToken` names another person.
    public func renderRequest(_ id: RequestID, by actor: Actor, language: Language? = nil,
                              at now: Timestamp) throws(DomainError) -> RenderedRequest {
        let (slot, record) = try requireRecord(id)
        var viewerName: String? = nil
        if case .endUser = actor, record.stored == .deleted {
            // There is nothing to answer: the consumer withdrew the question.
            try requireReadable(record, actor: actor)
            throw .requestDeleted(id)
        }
        if case .endUser(let user) = actor, record.stored == .created {
            // Same checks as for answering, so the page is never shown to the wrong person.
            let party = try answeringParty(user, slot: slot, record: record, onBehalfOf: nil)
            _ = try answerAuthority(user, party: party, record: record)
            viewerName = user.name
        } else {
            try requireReadable(record, actor: actor)
        }
        let lang = language ?? record.requestLanguage ?? .bokmal
        let texts = FixedTexts(language: lang)
        let consumer = OrganisationNumber(unchecked: record.consumer)
        let consumerName = self.consumerName(record.consumer)
        let decided = record.decidedAt != RequestRecord.none
        let validFrom = Timestamp(millisecondsSinceEpoch: decided ? record.decidedAt : now.millisecondsSinceEpoch)
        let validTo = Timestamp(millisecondsSinceEpoch: record.validTo)
        let giver = giverName(record, texts: texts, fallback: viewerName)

        var rendered: [RenderedResource] = []
        for grant in tables.scopes[record.scope] {
            guard let resource = tables.resource(grant.resource, version: grant.version) else { continue }
            let title = resource.title.resolved(in: lang) ?? ("", .bokmal)
            let text = resource.text.resolved(in: lang) ?? ("", .bokmal)
            let body = fill(text.text, in: text.language, grant: grant, record: record, giver: giver, now: now)
            let heading = fill(title.text, in: title.language, grant: grant, record: record, giver: giver, now: now)
            rendered.append(RenderedResource(id: resource.id, dataSourceName: resource.ownerName,
                                             title: heading, text: body, language: text.language, actions: resource.actions))
        }

        let aboutOrganisation: OrganisationNumber?
        if case .organisation(let org) = record.party { aboutOrganisation = org } else { aboutOrganisation = nil }
        // The data source's own words, at the version pinned when the request
        // was created; each text it lacks is the hub's own.
        let template = pinnedTemplate(record.id)
        func own(_ text: LocalizedText?) -> String? {
            guard let resolved = text?.resolved(in: lang) else { return nil }
            return fill(resolved.text, in: resolved.language, grant: nil, record: record, giver: giver, now: now)
        }
        let isPowerOfAttorney = template?.kind == .powerOfAttorney
        let validity = own(template?.expiry) ?? (record.kind == .oneTime
            ? texts.oneTimeValidity(to: texts.dateTime(validTo))
            : texts.validity(from: texts.dateTime(validFrom), to: texts.dateTime(validTo)))
        return RenderedRequest(
            id: record.id,
            status: record.status(at: now.millisecondsSinceEpoch),
            language: lang,
            heading: own(template?.heading) ?? texts.heading,
            intro: own(template?.intro) ?? texts.intro(consumer: consumerName, aboutOrganisation: aboutOrganisation),
            consumerName: consumerName,
            consumerOrganisationNumber: consumer,
            purposeHeading: texts.purposeHeading,
            purpose: purpose(of: record, in: lang),
            resourcesHeading: texts.resourcesHeading(consumer: consumerName),
            resources: rendered,
            validity: validity,
            voluntaryNote: isPowerOfAttorney
                ? texts.powerOfAttorneyVoluntaryNote(oneTime: record.kind == .oneTime)
                : texts.voluntaryNote(oneTime: record.kind == .oneTime),
            isOneTime: record.kind == .oneTime,
            validFrom: validFrom,
            validTo: validTo,
            acceptLabel: isPowerOfAttorney ? texts.powerOfAttorneyAcceptLabel : texts.acceptLabel,
            rejectLabel: isPowerOfAttorney ? texts.powerOfAttorneyRejectLabel : texts.rejectLabel,
            requiredAssuranceLevel: requiredAssuranceLevel(of: record),
            isPowerOfAttorney: isPowerOfAttorney,
            template: tables.requestTemplates[record.id])
    }

    /// A resource template (title or text) with every placeholder filled in:
    /// the consumer, the giver, the validity (in the template's own language,
    /// so a Bokmål fallback reads "kl.") and the metadata values (none for a
    /// consent template's text, `grant` nil).
    func fill(_ template: String, in language: Language, grant: ResourceGrant?, record: RequestRecord,
              giver: String, now: Timestamp) -> String {
        let texts = FixedTexts(language: language)
        return TextTemplate.render(template) { name in
            switch Placeholder(rawValue: name) {
            case .coveredByName: return consumerName(record.consumer)
            case .coveredBy: return OrganisationNumber(unchecked: record.consumer).description
            case .offeredByName: return giver
            case .validFrom:
                let decided = record.decidedAt != RequestRecord.none
                return texts.dateTime(Timestamp(millisecondsSinceEpoch: decided ? record.decidedAt : now.millisecondsSinceEpoch))
            case .validTo: return texts.dateTime(Timestamp(millisecondsSinceEpoch: record.validTo))
            case nil: return grant?.value(for: name) ?? ""
            }
        }
    }

    /// The consumer's purpose in `language` if it gave one there (issue 12),
    /// else the purpose as sent (`DelegationContext`).
    func purpose(of record: RequestRecord, in language: Language) -> String {
        if let text = tables.purposeTexts[record.id]?[language], !text.isEmpty { return text }
        return tables.strings[record.purpose].value
    }

    /// The name a consumer was authorised under, or its number if it has none.
    func consumerName(_ consumer: UInt32) -> String {
        tables.consumerNames[consumer] ?? OrganisationNumber(unchecked: consumer).description
    }

    /// Who gave (or is asked for) the consent, as the log and texts name them:
    /// the answering person's name, else the organisation, else "deg"/"you".
    func giverName(_ record: RequestRecord, texts: FixedTexts, fallback: String? = nil) -> String {
        if case .organisation(let org) = record.party { return texts.organisationParty(org) }
        return record.signerName ?? fallback ?? texts.you
    }

    // MARK: The user's list

    /// The consents of an end user (seed 002, "Samtykke … Se/trekk samtykke"):
    /// every request offered to them or answered by them, newest first —
    /// active, withdrawn, expired, used one-time consents, and rejected and
    /// still-pending requests too, since a user expects to find what they said no to.
    ///
    /// - Parameters:
    ///   - actor: the end user.
    ///   - party: an organisation the user may sign for, to list its consents
    ///     instead of the user's own; `nil` for the user.
    ///   - language: the language of status words and titles.
    /// - Throws: `permissionDenied` for other actors, or for an organisation the user may not sign for.
    public func consents(of actor: Actor, party: PartyID? = nil, language: Language = .bokmal,
                         at now: Timestamp) throws(DomainError) -> [ConsentSummary] {
        let key = try partyKey(actor, party)
        let texts = FixedTexts(language: language)
        var out: [ConsentSummary] = []
        var slot = tables.lastSlotByParty[key] ?? RequestRecord.noSlot
        while slot != RequestRecord.noSlot {
            let record = tables.records[Int(slot)]
            // A request its consumer deleted leaves the person's list (Altinn 3).
            guard record.stored != .deleted else {
                slot = record.previousOfParty
                continue
            }
            let status = record.status(at: now.millisecondsSinceEpoch)
            var titles: [String] = []
            for grant in tables.scopes[record.scope] {
                if let r = tables.resource(grant.resource, version: grant.version), let t = r.title.resolved(in: language) {
                    titles.append(fill(t.text, in: t.language, grant: grant, record: record,
                                       giver: giverName(record, texts: texts), now: now))
                }
            }
            out.append(ConsentSummary(
                id: record.id, status: status,
                statusText: texts.status(status, endedByConsumer: status == .revoked && endedByConsumer(record)),
                consumer: OrganisationNumber(unchecked: record.consumer), consumerName: consumerName(record.consumer),
                resourceTitles: titles, isOneTime: record.kind == .oneTime,
                createdAt: Timestamp(millisecondsSinceEpoch: record.createdAt),
                decidedAt: record.decidedAt == RequestRecord.none ? nil : Timestamp(millisecondsSinceEpoch: record.decidedAt),
                validTo: Timestamp(millisecondsSinceEpoch: record.validTo),
                endedAt: record.endedAt == RequestRecord.none ? nil : Timestamp(millisecondsSinceEpoch: record.endedAt),
                canRevoke: status == .accepted && record.kind != .oneTime))
            slot = record.previousOfParty
        }
        // The list is in linking order (creation, or answer for open requests); show newest first by creation.
        return out.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    /// Whether the consent was ended by its consumer rather than withdrawn by
    /// the person or the support desk (the withdrawal event's actor says).
    func endedByConsumer(_ record: RequestRecord) -> Bool {
        var index = record.lastEvent
        while index != RequestRecord.noSlot {
            let e = tables.log[Int(index)]
            if e.kind == .consentRevoked { return ActorRole(rawValue: e.role)?.isConsumerSide ?? false }
            index = e.previous
        }
        return false
    }

    /// The party key an end user asks about: themselves, or an organisation they may sign for.
    func partyKey(_ actor: Actor, _ party: PartyID?) throws(DomainError) -> UInt64 {
        guard case .endUser(let user) = actor else { throw .roleNotAllowed(actor, action: "list a person's consents") }
        let asked = party ?? .person(user.nationalId)
        guard user.mayActFor(asked) else {
            if case .organisation(let org) = asked { throw .notSignatory(org) }
            throw .offeredByMismatch(asked)
        }
        return asked.key
    }
}
