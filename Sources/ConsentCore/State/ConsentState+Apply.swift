extension ConsentState {
    /// How long a code is remembered after it expires, so that a late second
    /// exchange is still reported as reuse rather than as an unknown code. An
    /// hour covers any retry loop; forgetting sooner keeps a bulk load of
    /// millions of consents from holding millions of spent codes.
    static let codeRetention: Int64 = 3_600_000

    /// Applies one event: the only way the state changes.
    ///
    /// Never fails. Events come from ``decide(_:by:at:using:)`` or from the
    /// durable log, which is trusted; an event about a request the state does
    /// not know (impossible for a log written by `decide`) is counted in the
    /// sequence and otherwise ignored.
    /// - Returns: the sequence number assigned to the event: one more than the
    ///   last, the same number `decide` put in the event when the protocol
    ///   (decide, append, apply, before the next decide) is followed.
    @discardableResult
    public mutating func apply(_ event: Event) -> UInt64 {
        tables.apply(event)
    }

    /// Applies events in order.
    public mutating func apply(_ events: some Sequence<Event>) {
        for event in events { _ = tables.apply(event) }
    }

    /// Decodes an event stored by ConsentStore and applies it: the replay step of recovery.
    /// - Returns: the sequence number assigned.
    /// - Throws: ``CodecError`` if the bytes are not an event; the state is then unchanged.
    @discardableResult
    public mutating func apply(encoded bytes: [UInt8]) throws(CodecError) -> UInt64 {
        tables.apply(try EventCodec.decode(bytes))
    }
}

extension Tables {
    func currentResource(_ id: ResourceID) -> Resource? {
        resources[id]?.last
    }

    func resource(_ id: ResourceID, version: UInt32) -> Resource? {
        guard let versions = resources[id], version >= 1, Int(version) <= versions.count else { return resources[id]?.last }
        return versions[Int(version) - 1]
    }

    func slot(of id: RequestID) -> Int? {
        slotByID.slot(of: id, in: records).map(Int.init)
    }

    mutating func apply(_ event: Event) -> UInt64 {
        lastSequence += 1
        let index = UInt32(truncatingIfNeeded: log.count)
        let time = event.time.millisecondsSinceEpoch
        var entry = LoggedEvent(time: time, subject: RequestRecord.noSlot, previous: RequestRecord.noSlot,
                                actorOrg: event.actor.organisation?.value ?? 0, kind: event.kind,
                                role: ActorRole(event.actor).rawValue, detail: 0)

        switch event.payload {
        case .resourceRegistered(let resource):
            resources[resource.id, default: []].append(resource)
            entry.subject = appendRegistry(resource.id, consumer: 0)
            log.append(entry)
            feedByDataSource[resource.owner.value, default: []].append(index)
            return lastSequence

        case .consumerAuthorised(let authorisation):
            authorisations[authorisation.resource, default: [:]][authorisation.consumer.value] = authorisation
            consumerNames[authorisation.consumer.value] = authorisation.consumerName
            appendRegistryEvent(&entry, index, authorisation.resource, authorisation.consumer.value)
            return lastSequence

        case .consumerDeauthorised(let resource, let consumer):
            authorisations[resource]?[consumer.value] = nil
            if authorisations[resource]?.isEmpty == true { authorisations[resource] = nil }
            appendRegistryEvent(&entry, index, resource, consumer.value)
            return lastSequence

        case .vendorAuthorised(let authorisation):
            vendors[authorisation.consumer.value, default: [:]][authorisation.vendor.value] = authorisation
            appendVendorEvent(&entry, index, consumer: authorisation.consumer.value, vendor: authorisation.vendor.value)
            return lastSequence

        case .vendorDeauthorised(let consumer, let vendor):
            vendors[consumer.value]?[vendor.value] = nil
            if vendors[consumer.value]?.isEmpty == true { vendors[consumer.value] = nil }
            appendVendorEvent(&entry, index, consumer: consumer.value, vendor: vendor.value)
            return lastSequence

        case .templateRegistered(let template):
            templates[template.id, default: []].append(template)
            log.append(entry)
            feedByDataSource[template.owner.value, default: []].append(index)
            return lastSequence

        case .requestCreated(let created):
            let slot = UInt32(truncatingIfNeeded: records.count)
            var record = RequestRecord(
                id: created.id,
                createdAt: time,
                answerBy: created.answerBy.millisecondsSinceEpoch,
                validTo: created.validTo.millisecondsSinceEpoch,
                offeredBy: created.offeredBy?.key ?? 0,
                consumer: created.consumer.value,
                scope: internScope(created.grants),
                redirect: strings.intern(ExactText(created.redirectURL)),
                purpose: strings.intern(ExactText(created.purpose)),
                language: created.language?.rawValue ?? 0,
                kind: created.kind)
            if case .vendor(let vendor, _) = event.actor { record.handledBy = vendor.value }
            records.append(record)
            openRequestsByConsumer[record.consumer, default: 0] += 1
            slotByID.insert(slot, in: records)
            if let party = created.offeredBy { link(slot, party: party.key) }
            if let key = created.idempotencyKey {
                idempotency[IdempotencyKey(consumer: created.consumer.value, keyHash: FNV1a.hash(key.utf8))] =
                    IdempotencyEntry(slot: slot, fingerprint: created.fingerprint)
            }
            if let token = created.userToken { pendingUserTokens[slot] = token }
            if let delegator = created.requiredDelegator { requiredDelegators[created.id] = delegator }
            if !created.purposeTexts.present.isEmpty { purposeTexts[created.id] = created.purposeTexts }
            // The template version in force now is the one the person will see, whatever comes later.
            if let pin = templatePin(for: created.grants) { requestTemplates[created.id] = pin }
            dropStaleDeadlines(at: time)
            deadlines.push(.init(deadline: record.answerBy, slot: slot, kind: DeadlineHeap.answer))
            appendRequestEvent(&entry, index, slot)

        case .requestAccepted(let accepted):
            guard let slot = slotByID.slot(of: accepted.id, in: records) else { log.append(entry); return lastSequence }
            let s = Int(slot)
            closeOpenRequest(s)
            records[s].stored = .accepted
            records[s].decidedAt = time
            if case .endUser(let user) = event.actor {
                records[s].signerName = user.name
            }
            if !records[s].linked {
                records[s].offeredBy = accepted.party.key
                link(slot, party: accepted.party.key)
            }
            pendingUserTokens[slot] = nil
            if !accepted.authority.isEmpty { answerAuthorities[accepted.id] = accepted.authority }
            records[s].answerLanguage = accepted.language
            codes[accepted.codeHash] = CodeEntry(slot: slot, expiresAt: accepted.codeExpiresAt.millisecondsSinceEpoch, exchanged: false)
            codeQueue.append(accepted.codeHash)
            forgetCodes(at: time)
            dropStaleDeadlines(at: time)
            deadlines.push(.init(deadline: records[s].validTo, slot: slot, kind: DeadlineHeap.validity))
            appendRequestEvent(&entry, index, slot)

        case .requestRejected(let id, let party, let authority, let language):
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            let s = Int(slot)
            closeOpenRequest(s)
            records[s].stored = .rejected
            records[s].decidedAt = time
            if case .endUser(let user) = event.actor {
                records[s].signerName = user.name
            }
            if !records[s].linked {
                records[s].offeredBy = party.key
                link(slot, party: party.key)
            }
            pendingUserTokens[slot] = nil
            if !authority.isEmpty { answerAuthorities[id] = authority }
            records[s].answerLanguage = language
            appendRequestEvent(&entry, index, slot)

        case .consentRevoked(let id):
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            records[Int(slot)].stored = .revoked
            records[Int(slot)].endedAt = time
            appendRequestEvent(&entry, index, slot)

        case .codeExchanged(let id, let hash):
            codes[hash]?.exchanged = true
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            appendRequestEvent(&entry, index, slot)

        case .codeReuseAttempted(let id, _):
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            appendRequestEvent(&entry, index, slot)

        case .consentUsed(let use):
            guard let slot = slotByID.slot(of: use.id, in: records) else { log.append(entry); return lastSequence }
            let s = Int(slot)
            let grants = scopes[records[s].scope]
            let position = grants.firstIndex { $0.resource == use.resource } ?? 0
            entry.detail = UInt8(truncatingIfNeeded: position)
            if position < grants.count, grants[position].usesPerDay != nil {
                countDailyUse(slot: slot, position: entry.detail, day: Int32(truncatingIfNeeded: OsloTime.day(of: use.usedAt)))
            }
            // The log and the feed show when the data was fetched (UsageDateTime), not when it was reported.
            entry.time = use.usedAt.millisecondsSinceEpoch
            // A late-logged use of a one-time consent the sweep already marked
            // expired ends it too: it was used (before it ran out), and only its
            // first use may ever be accepted.
            let given = records[s].stored == .accepted || (records[s].stored == .expired && records[s].decidedAt != RequestRecord.none)
            if records[s].kind == .oneTime, given {
                // Seed 002: "Engangssamtykke er nå opphørt" — a one-time consent ends at its first use.
                records[s].stored = .usedUp
                records[s].endedAt = use.usedAt.millisecondsSinceEpoch
            }
            appendRequestEvent(&entry, index, slot)

        case .requestExpired(let id):
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            if records[Int(slot)].stored == .created {
                closeOpenRequest(Int(slot))
                records[Int(slot)].stored = .expired
                // It ended when the answer was due, not when the sweep noticed
                // (a minute later, or hours if the hub was down).
                records[Int(slot)].endedAt = min(time, records[Int(slot)].answerBy)
            }
            pendingUserTokens[slot] = nil
            dropStaleDeadlines(at: time)
            appendRequestEvent(&entry, index, slot)

        case .consentExpired(let id):
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            if records[Int(slot)].stored == .accepted {
                records[Int(slot)].stored = .expired
                records[Int(slot)].endedAt = min(time, records[Int(slot)].validTo)
            }
            dropStaleDeadlines(at: time)
            appendRequestEvent(&entry, index, slot)

        case .requestDeleted(let id):
            guard let slot = slotByID.slot(of: id, in: records) else { log.append(entry); return lastSequence }
            // A deleted request no longer waits for an answer: its place in the quota is free.
            closeOpenRequest(Int(slot))
            records[Int(slot)].stored = .deleted
            records[Int(slot)].endedAt = time
            pendingUserTokens[slot] = nil
            // Its answer deadline stays in the heap until it comes due; it no
            // longer stands for anything (``isPending``) and is dropped then.
            dropStaleDeadlines(at: time)
            appendRequestEvent(&entry, index, slot)
        }
        return lastSequence
    }

    // MARK: Helpers

    /// A request leaves `created` (answered or expired): one open request fewer for its consumer.
    private mutating func closeOpenRequest(_ s: Int) {
        guard records[s].stored == .created else { return }
        let consumer = records[s].consumer
        let open = openRequestsByConsumer[consumer, default: 0]
        openRequestsByConsumer[consumer] = open > 1 ? open - 1 : nil
    }

    /// `openRequestsByConsumer` counted from the records (after a snapshot).
    func countOpenRequests() -> [UInt32: Int] {
        var counts: [UInt32: Int] = [:]
        for record in records where record.stored == .created { counts[record.consumer, default: 0] += 1 }
        return counts
    }

    /// Counts a logged request event in the statistics, the one rule for
    /// them: given, rejected, withdrawn (by the person or the support desk)
    /// or ended (by the consumer or its vendor) for every resource of the
    /// request, on the Norwegian day of the event; a use for its resource, on
    /// the day of the use. Applying an event and loading a snapshot of
    /// version 1 (which had no statistics) both count through here.
    mutating func countStatistics(_ e: LoggedEvent) {
        let counter: StatisticsCounts.Counter
        switch e.kind {
        case .requestAccepted: counter = .given
        case .requestRejected: counter = .rejected
        case .consentRevoked: counter = ActorRole(rawValue: e.role)?.isConsumerSide == true ? .ended : .withdrawn
        case .consentUsed: counter = .used
        default: return
        }
        guard e.subject != RequestRecord.noSlot, Int(e.subject) < records.count else { return }
        let grants = scopes[records[Int(e.subject)].scope]
        let day = Int32(truncatingIfNeeded: OsloTime.day(of: Timestamp(millisecondsSinceEpoch: e.time)))
        if e.kind == .consentUsed {
            guard Int(e.detail) < grants.count else { return }
            statistics[StatisticsKey(resource: grants[Int(e.detail)].resource, day: day), default: StatisticsCounts()].add(counter)
            return
        }
        for grant in grants {
            statistics[StatisticsKey(resource: grant.resource, day: day), default: StatisticsCounts()].add(counter)
        }
    }

    /// Counts a use against a daily limit: the latest day only (a use reported
    /// late, for an earlier day, is counted from the log when it matters).
    private mutating func countDailyUse(slot: UInt32, position: UInt8, day: Int32) {
        let key = DailyUses.key(slot: slot, position: position)
        if let latest = dailyUses[key], latest.day >= day {
            if latest.day == day { dailyUses[key]!.count &+= 1 }
            return
        }
        dailyUses[key] = DailyUses(day: day, count: 1)
    }

    private mutating func appendRegistry(_ resource: ResourceID, consumer: UInt32) -> UInt32 {
        registryLog.append(RegistryLogEntry(resource: resource, consumer: consumer))
        return UInt32(truncatingIfNeeded: registryLog.count - 1)
    }

    private mutating func appendRegistryEvent(_ entry: inout LoggedEvent, _ index: UInt32, _ resource: ResourceID, _ consumer: UInt32) {
        entry.subject = appendRegistry(resource, consumer: consumer)
        log.append(entry)
        if let owner = currentResource(resource)?.owner.value {
            feedByDataSource[owner, default: []].append(index)
        }
        feedByConsumer[consumer, default: []].append(index)
    }

    /// Logs a vendor (de)authorisation: in the consumer's feed only (the data
    /// sources decide who may ask; whom a consumer works with is its business).
    private mutating func appendVendorEvent(_ entry: inout LoggedEvent, _ index: UInt32, consumer: UInt32, vendor: UInt32) {
        vendorLog.append(VendorLogEntry(consumer: consumer, vendor: vendor))
        entry.subject = UInt32(truncatingIfNeeded: vendorLog.count - 1)
        log.append(entry)
        feedByConsumer[consumer, default: []].append(index)
    }

    /// Logs an event about a request and lists it in the feeds of the request's
    /// consumer and of every data source that owns one of its resources.
    private mutating func appendRequestEvent(_ entry: inout LoggedEvent, _ index: UInt32, _ slot: UInt32) {
        let s = Int(slot)
        entry.subject = slot
        entry.previous = records[s].lastEvent
        records[s].lastEvent = index
        log.append(entry)
        countStatistics(entry)
        feedByConsumer[records[s].consumer, default: []].append(index)
        for owner in scopeOwners[Int(records[s].scope)] {
            feedByDataSource[owner, default: []].append(index)
        }
    }

    private mutating func internScope(_ grants: [ResourceGrant]) -> UInt32 {
        let before = scopes.count
        let id = scopes.intern(grants)
        if Int(id) == before { scopeOwners.append(owners(of: grants)) }
        return id
    }

    func owners(of grants: [ResourceGrant]) -> [UInt32] {
        var owners: [UInt32] = []
        for grant in grants {
            if let owner = resource(grant.resource, version: grant.version)?.owner.value, !owners.contains(owner) {
                owners.append(owner)
            }
        }
        return owners
    }

    private mutating func link(_ slot: UInt32, party: UInt64) {
        records[Int(slot)].previousOfParty = lastSlotByParty[party] ?? RequestRecord.noSlot
        records[Int(slot)].linked = true
        lastSlotByParty[party] = slot
    }

    /// Forgets codes an hour after they expired (the queue is in issue order, so
    /// this is cheap; a code with a longer lifetime only delays those behind it).
    private mutating func forgetCodes(at now: Int64) {
        while let hash = codeQueue.first {
            if let entry = codes[hash] {
                guard entry.expiresAt &+ ConsentState.codeRetention <= now else { return }
                codes[hash] = nil
            }
            codeQueue.removeFirst()
        }
    }

    /// Whether a deadline entry still stands for something that can expire.
    func isPending(_ entry: DeadlineHeap.Entry) -> Bool {
        let record = records[Int(entry.slot)]
        return entry.kind == DeadlineHeap.answer ? record.stored == .created : record.stored == .accepted
    }

    /// Drops due deadline entries at the top of the heap that no longer stand
    /// for anything (the request was answered, the consent ended or was marked expired).
    private mutating func dropStaleDeadlines(at now: Int64) {
        while let top = deadlines.top, top.deadline <= now, !isPending(top) {
            deadlines.popTop()
        }
    }
}
