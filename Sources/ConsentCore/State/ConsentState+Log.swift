extension ConsentState {
    /// The Samtykkelogg of one consent (seed 002): given, used, withdrawn,
    /// expired — or declined — oldest first, in the user's language, times in
    /// Oslo time.
    /// - Throws: `notFound`; `permissionDenied` unless the actor may read the request.
    public func consentLog(_ id: RequestID, by actor: Actor, language: Language = .bokmal,
                           at now: Timestamp) throws(DomainError) -> [ConsentLogLine] {
        let (_, record) = try requireRecord(id)
        try requireReadable(record, actor: actor)
        return logLines(record, texts: FixedTexts(language: language), now: now).map(\.line)
    }

    /// The Samtykkelogg of all an end user's consents (or of an organisation the
    /// user may sign for), oldest first: seed 002's "Min profil → Samtykkelogg".
    /// - Throws: `permissionDenied` for other actors or an organisation the user may not sign for.
    public func consentLog(of actor: Actor, party: PartyID? = nil, language: Language = .bokmal,
                           at now: Timestamp) throws(DomainError) -> [ConsentLogLine] {
        let key = try partyKey(actor, party)
        let texts = FixedTexts(language: language)
        var all: [(order: (Int64, UInt64), line: ConsentLogLine)] = []
        var slot = tables.lastSlotByParty[key] ?? RequestRecord.noSlot
        while slot != RequestRecord.noSlot {
            let record = tables.records[Int(slot)]
            all += logLines(record, texts: texts, now: now)
            slot = record.previousOfParty
        }
        return all.sorted { $0.order < $1.order }.map(\.line)
    }

    /// Who answered, for the log: for an organisation, the organisation, the
    /// person who answered for it and the roles they answered by.
    func answerer(_ record: RequestRecord, texts: FixedTexts) -> String {
        let giver = giverName(record, texts: texts)
        guard case .organisation = record.party else { return giver }
        let roles = (tables.answerAuthorities[record.id] ?? []).map { $0.name(in: texts.language) }
        guard record.signerName != nil || !roles.isEmpty else { return giver }
        return texts.organisationAnswer(giver, person: record.signerName, roles: roles)
    }

    /// The lines of one consent with a sort key (time, then sequence).
    func logLines(_ record: RequestRecord, texts: FixedTexts, now: Timestamp) -> [(order: (Int64, UInt64), line: ConsentLogLine)] {
        let consumer = consumerName(record.consumer)
        let giver = giverName(record, texts: texts)
        let ends = OsloTime.dateTimeText(Timestamp(millisecondsSinceEpoch: record.validTo))
        var lines: [(order: (Int64, UInt64), line: ConsentLogLine)] = []

        func add(_ kind: ConsentLogLine.Kind, _ time: Int64, _ sequence: UInt64, _ text: String, title: String? = nil) {
            let t = Timestamp(millisecondsSinceEpoch: time)
            lines.append(((time, sequence), ConsentLogLine(consentID: record.id, kind: kind, time: t,
                                                          date: OsloTime.dateText(t), title: title ?? texts.logTitle(kind), text: text)))
        }
        // The data source's template (the version the person answered) may
        // word the line of the consent given, and call it a fullmakt.
        let template = pinnedTemplate(record.id)

        var index = record.lastEvent
        while index != RequestRecord.noSlot {
            let e = tables.log[Int(index)]
            let sequence = UInt64(index) + 1
            switch e.kind {
            case .requestAccepted:
                let giver = answerer(record, texts: texts)
                let isPowerOfAttorney = template?.kind == .powerOfAttorney
                let text = template?.log.resolved(in: texts.language).map {
                    fill($0.text, in: $0.language, grant: nil, record: record, giver: giver, now: now)
                } ?? (isPowerOfAttorney
                    ? texts.logPowerOfAttorneyGiven(consumer: consumer, giver: giver, ends: ends)
                    : texts.logGiven(consumer: consumer, giver: giver, ends: ends))
                add(.given, e.time, sequence, text, title: isPowerOfAttorney ? texts.powerOfAttorneyGivenTitle : nil)
            case .requestRejected: add(.rejected, e.time, sequence, texts.logRejected(consumer: consumer, giver: answerer(record, texts: texts)))
            case .consentRevoked:
                let role = ActorRole(rawValue: e.role)
                if role?.isConsumerSide == true {
                    add(.ended, e.time, sequence, texts.logEndedByConsumer(consumer: consumer, giver: giver))
                } else {
                    add(.revoked, e.time, sequence, role == .admin
                        ? texts.logRevokedByOperator(consumer: consumer)
                        : texts.logRevoked(consumer: consumer, giver: giver))
                }
            case .consentUsed:
                add(.used, e.time, sequence, record.kind == .oneTime
                    ? texts.logUsedOnce(consumer: consumer, giver: giver)
                    : texts.logUsed(consumer: consumer, giver: giver, ends: ends))
            default: break
            }
            index = e.previous
        }
        // Expiry is computed on read, so the line appears at the moment of
        // expiry whether or not a consentExpired event has been written.
        let status = record.status(at: now.millisecondsSinceEpoch)
        if status == .expired, record.decidedAt != RequestRecord.none {
            add(.expired, record.validTo, .max, texts.logExpired(consumer: consumer, ended: ends))
        }
        return lines.reversed().sorted { $0.order < $1.order }
    }
}
