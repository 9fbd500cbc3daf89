extension ConsentState {
    /// The bytes a snapshot starts with: `CHSNAP` and the format version.
    static let snapshotMagic: [UInt8] = Array("CHSNAP".utf8)
    /// The snapshot format version written; versions 1 (before issue 12's
    /// vendors, limits and statistics), 2 (before organisation authority),
    /// 3 (before consent templates) and 4 (one section, decoded on one
    /// thread) are still read.
    public static let snapshotVersion: UInt8 = 5

    /// Encodes the whole state, so that a restart can load it instead of
    /// replaying every event. Replaying the events after ``lastSequence`` on the
    /// restored state gives the same state as replaying everything.
    ///
    /// The layout is documented in docs/DOMAIN.md ("Snapshot encoding"): the
    /// tables in order, fixed fields as varints; indexes that can be derived
    /// (ids → slots, scope owners) are rebuilt on load.
    public func encodeSnapshot() -> [UInt8] {
        let t = tables
        // Enough for the usual snapshot (about 200 bytes per record with its
        // strings and lists, 10 to 20 per logged event): regrowing a buffer
        // of hundreds of megabytes copies all of it. A larger reservation is
        // cheap, since pages never written are never resident.
        var w = ByteWriter(capacity: 4096 + t.records.count * 200 + t.log.count * 24 + t.statistics.count * 24)
        for b in ConsentState.snapshotMagic { w.u8(b) }
        w.u8(ConsentState.snapshotVersion)
        w.varint(t.lastSequence)

        let resourceIDs = t.resources.keys.sorted()
        w.varint(UInt64(resourceIDs.count))
        for id in resourceIDs {
            let versions = t.resources[id]!
            w.varint(UInt64(versions.count))
            for r in versions { EventCodec.encode(r, into: &w, encoding: ConsentState.snapshotVersion) }
        }
        let authorisations = t.authorisations.values.flatMap(\.values).sorted { ($0.resource, $0.consumer) < ($1.resource, $1.consumer) }
        w.varint(UInt64(authorisations.count))
        for a in authorisations { EventCodec.encode(a, into: &w) }
        w.varint(UInt64(t.consumerNames.count))
        for (org, name) in t.consumerNames.sorted(by: { $0.key < $1.key }) { w.varint(UInt64(org)); w.string(name) }
        w.varint(UInt64(t.registryLog.count))
        for e in t.registryLog { w.resourceID(e.resource); w.varint(UInt64(e.consumer)) }
        let vendors = t.vendors.values.flatMap(\.values).sorted { ($0.consumer, $0.vendor) < ($1.consumer, $1.vendor) }
        w.varint(UInt64(vendors.count))
        for v in vendors { EventCodec.encode(v, into: &w) }
        w.varint(UInt64(t.vendorLog.count))
        for e in t.vendorLog { w.varint(UInt64(e.consumer)); w.varint(UInt64(e.vendor)) }

        w.varint(UInt64(t.strings.count))
        for s in t.strings.values { w.string(s.value) }
        w.varint(UInt64(t.scopes.count))
        for scope in t.scopes.values { EventCodec.encode(scope, into: &w) }

        w.varint(UInt64(t.records.count))
        // Version 5: two sections, each decoded on its own thread: the
        // requests (with everything keyed by request id) and, after them, the
        // events. The first one's length, patched in once known, tells the
        // reader where the second starts.
        let recordsSectionLengthAt = w.bytes.count
        w.fixed64(0)
        for r in t.records {
            w.requestID(r.id)
            w.zigzag(r.createdAt); w.zigzag(r.answerBy); w.zigzag(r.validTo); w.zigzag(r.decidedAt); w.zigzag(r.endedAt)
            w.varint(r.offeredBy)
            w.optionalString(r.signerName)
            w.varint(UInt64(r.consumer)); w.varint(UInt64(r.handledBy))
            w.varint(UInt64(r.scope)); w.varint(UInt64(r.redirect)); w.varint(UInt64(r.purpose))
            w.varint(UInt64(r.lastEvent &+ 1)); w.varint(UInt64(r.previousOfParty &+ 1))
            w.u8(r.stored.rawValue); w.u8(r.language); w.u8(r.kind.rawValue); w.bool(r.linked)
        }
        w.varint(UInt64(t.lastSlotByParty.count))
        for (key, slot) in t.lastSlotByParty { w.varint(key); w.varint(UInt64(slot)) }
        w.varint(UInt64(t.idempotency.count))
        for (key, entry) in t.idempotency {
            w.varint(UInt64(key.consumer)); w.fixed64(key.keyHash); w.varint(UInt64(entry.slot)); w.fixed64(entry.fingerprint)
        }
        w.varint(UInt64(t.pendingUserTokens.count))
        for (slot, digest) in t.pendingUserTokens { w.varint(UInt64(slot)); w.digest(digest) }
        w.varint(UInt64(t.codes.count))
        for (hash, entry) in t.codes { w.digest(hash); w.varint(UInt64(entry.slot)); w.zigzag(entry.expiresAt); w.bool(entry.exchanged) }
        w.varint(UInt64(t.codeQueue.elements.count))
        for hash in t.codeQueue.elements { w.digest(hash) }

        // Version 3: required delegators and the roles answers were given by
        // (and, above, each resource's organisation authority).
        w.varint(UInt64(t.requiredDelegators.count))
        for (id, person) in t.requiredDelegators.sorted(by: { $0.key < $1.key }) { w.requestID(id); w.varint(person.value) }
        w.varint(UInt64(t.answerAuthorities.count))
        for (id, roles) in t.answerAuthorities.sorted(by: { $0.key < $1.key }) { w.requestID(id); EventCodec.encode(roles, into: &w) }
        w.varint(UInt64(t.purposeTexts.count))
        for (id, texts) in t.purposeTexts.sorted(by: { $0.key < $1.key }) { w.requestID(id); EventCodec.encode(texts, into: &w) }
        // Version 4: consent templates, every version, and the version each
        // request was created under (and, above, each resource's template).
        w.varint(UInt64(t.templates.count))
        for id in t.templates.keys.sorted() {
            let versions = t.templates[id]!
            w.varint(UInt64(versions.count))
            for template in versions { EventCodec.encode(template, into: &w) }
        }
        w.varint(UInt64(t.requestTemplates.count))
        for (id, pin) in t.requestTemplates.sorted(by: { $0.key < $1.key }) { w.requestID(id); w.string(pin.id); w.varint(UInt64(pin.version)) }
        let recordsSectionLength = UInt64(w.bytes.count - recordsSectionLengthAt - 8)
        for i in 0..<8 { w.bytes[recordsSectionLengthAt + i] = UInt8(truncatingIfNeeded: recordsSectionLength >> UInt64(56 - 8 * i)) }
        w.varint(UInt64(t.log.count))
        for e in t.log {
            w.zigzag(e.time); w.varint(UInt64(e.subject &+ 1)); w.varint(UInt64(e.previous &+ 1)); w.varint(UInt64(e.actorOrg))
            w.u8(e.kind.rawValue); w.u8(e.role); w.u8(e.detail)
        }
        for feed in [t.feedByConsumer, t.feedByDataSource] {
            w.varint(UInt64(feed.count))
            for (org, list) in feed {
                w.varint(UInt64(org))
                w.varint(UInt64(list.count))
                var previous: UInt32 = 0
                for index in list { w.varint(UInt64(index - previous)); previous = index }
            }
        }
        w.varint(UInt64(t.deadlines.entries.count))
        for e in t.deadlines.entries { w.zigzag(e.deadline); w.varint(UInt64(e.slot)); w.u8(e.kind) }
        // Version 2: daily use counts, statistics.
        w.varint(UInt64(t.dailyUses.count))
        for (key, uses) in t.dailyUses.sorted(by: { $0.key < $1.key }) {
            w.varint(key); w.zigzag(Int64(uses.day)); w.varint(UInt64(uses.count))
        }
        w.varint(UInt64(t.statistics.count))
        for (key, c) in t.statistics.sorted(by: { ($0.key.resource, $0.key.day) < ($1.key.resource, $1.key.day) }) {
            w.resourceID(key.resource); w.zigzag(Int64(key.day))
            for n in [c.given, c.rejected, c.withdrawn, c.ended, c.used] { w.varint(UInt64(n)) }
        }
        return w.bytes
    }

    /// Restores a state from ``encodeSnapshot()``.
    /// - Parameter configuration: settings for new decisions (not stored in snapshots).
    /// - Throws: ``CodecError`` for a wrong magic or version, truncated input,
    ///   an index that points nowhere, or bytes left over.
    public init(snapshot bytes: [UInt8], configuration: ConsentConfiguration = ConsentConfiguration(),
                helper: SnapshotDecodeHelper = .none) throws(CodecError) {
        let tables = try bytes.withUnsafeBufferPointer { (buffer) throws(CodecError) -> Tables in
            var r = ByteReader(buffer)
            return try Tables.decodeSnapshot(&r, runAside: helper)
        }
        self.configuration = configuration
        self.tables = tables
    }

    /// Restores a state from ``encodeSnapshot()``'s bytes held by the caller
    /// (a mapped file), read in place; `bytes` must stay valid during the call.
    public init(snapshotBytes bytes: UnsafeRawBufferPointer, configuration: ConsentConfiguration = ConsentConfiguration(),
                helper: SnapshotDecodeHelper = .none) throws(CodecError) {
        var r = ByteReader(bytes.assumingMemoryBound(to: UInt8.self))
        self.configuration = configuration
        self.tables = try Tables.decodeSnapshot(&r, runAside: helper)
    }

    /// A second thread for a snapshot's decode. ConsentCore starts no threads
    /// of its own: the caller lends one, or the decode runs on the caller's
    /// thread alone (``none``).
    public struct SnapshotDecodeHelper: Sendable {
        /// Starts `work` and returns a function that waits until it has ended.
        public let start: @Sendable (_ work: @escaping @Sendable () -> Void) -> () -> Void

        public init(start: @escaping @Sendable (_ work: @escaping @Sendable () -> Void) -> () -> Void) {
            self.start = start
        }

        /// No second thread: the work runs when started.
        public static let none = SnapshotDecodeHelper { work in
            work()
            return {}
        }
    }
}

extension Tables {
    static func decodeSnapshot(_ r: inout ByteReader, runAside: ConsentState.SnapshotDecodeHelper) throws(CodecError) -> Tables {
        for expected in ConsentState.snapshotMagic {
            guard try r.u8("snapshot magic") == expected else { throw r.fail("not a ConsentHub snapshot (bad magic)") }
        }
        let version = try r.u8("snapshot version")
        guard (1...ConsentState.snapshotVersion).contains(version) else {
            throw r.fail("unsupported snapshot version \(version) (this build reads versions 1 to \(ConsentState.snapshotVersion))")
        }
        var t = Tables()
        t.lastSequence = try r.varint("last sequence")
        try decodeRegistryAndInterned(&r, &t, version: version)
        let recordCount = try r.count("record count", elementSize: 30)
        let limits = EventLimits(records: recordCount, registryLog: t.registryLog.count, vendorLog: t.vendorLog.count)
        if version >= 5 {
            // The requests' section on this thread, the events' on another:
            // neither reads what the other builds; the checks between them
            // follow once both are done.
            let length = try r.fixed64("requests section length")
            guard length <= UInt64(r.remaining) else { throw r.fail("requests section of \(length) bytes, only \(r.remaining) left") }
            var requests = r.section(Int(length))
            let events = SendableReader(reader: r.section(r.remaining))
            let aside = AsideResult()
            let wait = runAside.start { aside.result = Result { () throws(CodecError) -> Tables in try decodeEventsSection(events.reader, version: version, limits: limits) } }
            let decodedRequests = Result { () throws(CodecError) in
                try decodeRequests(&requests, &t, version: version, recordCount: recordCount)
                try decodeRequestSideTables(&requests, &t, version: version)
                guard requests.isAtEnd else { throw requests.fail("\(requests.remaining) unexpected bytes at the end of the requests section") }
            }
            wait()
            // Reported in the order of the bytes, as one thread would have.
            try decodedRequests.get()
            t.adoptEvents(try aside.result!.get())
        } else {
            try decodeRequests(&r, &t, version: version, recordCount: recordCount)
            var events = Tables()
            try decodeEvents(&r, &events, version: version, limits: limits)
            t.adoptEvents(events)
            try decodeRequestSideTables(&r, &t, version: version)
            guard r.isAtEnd else { throw r.fail("\(r.remaining) unexpected bytes after the snapshot") }
        }
        for record in t.records where record.lastEvent != RequestRecord.noSlot && Int(record.lastEvent) >= t.log.count {
            throw r.fail("request \(record.id) points to event \(record.lastEvent), beyond the \(t.log.count) events")
        }
        t.openRequestsByConsumer = t.countOpenRequests()
        if version == 1 {
            // Statistics came with version 2: count them from the logged events,
            // exactly as applying them would have.
            for e in t.log { t.countStatistics(e) }
        }
        return t
    }

    /// What the events may point at: they are decoded apart from the tables they point into.
    struct EventLimits: Sendable {
        var records: Int
        var registryLog: Int
        var vendorLog: Int
    }

    /// The events' section of a version-5 snapshot, alone: it must end where the input ends.
    private static func decodeEventsSection(_ reader: ByteReader, version: UInt8, limits: EventLimits) throws(CodecError) -> Tables {
        var r = reader
        var events = Tables()
        try decodeEvents(&r, &events, version: version, limits: limits)
        guard r.isAtEnd else { throw r.fail("\(r.remaining) unexpected bytes after the snapshot") }
        return events
    }

    /// Takes the events, feeds, deadlines, daily uses and statistics decoded into `events`.
    private mutating func adoptEvents(_ events: Tables) {
        log = events.log
        feedByConsumer = events.feedByConsumer
        feedByDataSource = events.feedByDataSource
        deadlines = events.deadlines
        dailyUses = events.dailyUses
        statistics = events.statistics
    }

    /// Resources, authorisations, consumer names, vendors and their logs, the interned strings and scopes.
    static func decodeRegistryAndInterned(_ r: inout ByteReader, _ t: inout Tables, version: UInt8) throws(CodecError) {
        for _ in 0..<(try r.count("resource count")) {
            var versions: [Resource] = []
            for _ in 0..<(try r.count("resource version count")) { versions.append(try EventCodec.decodeResource(&r, encoding: version)) }
            guard let first = versions.first else { throw r.fail("a resource without versions") }
            t.resources[first.id] = versions
        }
        for _ in 0..<(try r.count("authorisation count")) {
            let a = try EventCodec.decodeAuthorisation(&r)
            t.authorisations[a.resource, default: [:]][a.consumer.value] = a
        }
        for _ in 0..<(try r.count("consumer name count")) {
            let org = try r.uint32("consumer")
            t.consumerNames[org] = try r.string("consumer name")
        }
        for _ in 0..<(try r.count("registry log count")) {
            t.registryLog.append(RegistryLogEntry(resource: try r.resourceID("registry resource"), consumer: try r.uint32("registry consumer")))
        }
        if version >= 2 {
            for _ in 0..<(try r.count("vendor count", elementSize: 4)) {
                let v = try EventCodec.decodeVendorAuthorisation(&r)
                t.vendors[v.consumer.value, default: [:]][v.vendor.value] = v
            }
            for _ in 0..<(try r.count("vendor log count", elementSize: 2)) {
                t.vendorLog.append(VendorLogEntry(consumer: try r.uint32("vendor log consumer"), vendor: try r.uint32("vendor log vendor")))
            }
        }

        var strings: [ExactText] = []
        for _ in 0..<(try r.count("string count")) { strings.append(ExactText(try r.string("interned string"))) }
        t.strings = Interner(values: strings)
        var scopes: [[ResourceGrant]] = []
        for _ in 0..<(try r.count("scope count")) { scopes.append(try EventCodec.decodeGrants(&r, encoding: version)) }
        t.scopes = Interner(values: scopes)
        t.scopeOwners = scopes.map { t.owners(of: $0) }

    }

    /// The request records (and the id index rebuilt from them), the party
    /// lists, idempotency keys, pending user tokens and codes.
    private static func decodeRequests(_ r: inout ByteReader, _ t: inout Tables, version: UInt8, recordCount: Int) throws(CodecError) {
        t.records.reserveCapacity(recordCount)
        for _ in 0..<recordCount {
            let id = try r.requestID()
            let createdAt = try r.zigzag("created-at"), answerBy = try r.zigzag("answer-by"), validTo = try r.zigzag("valid-to")
            let decidedAt = try r.zigzag("decided-at"), endedAt = try r.zigzag("ended-at")
            let offeredBy = try r.varint("offered-by")
            let name = try r.optionalString("signer name")
            let consumer = try r.uint32("consumer")
            let handledBy = version >= 2 ? try r.uint32("handled by") : 0
            let scope = try index(&r, "scope", below: t.scopes.count)
            let redirect = try index(&r, "redirect", below: t.strings.count)
            let purpose = try index(&r, "purpose", below: t.strings.count)
            let lastEvent = try r.uint32("last event") &- 1
            let previousOfParty = try optionalIndex(&r, "previous of party", below: recordCount)
            let stored = try r.enumeration(ConsentStatus.self, "stored status")
            let language = try r.u8("language")
            // Low four bits the request's language, high four the answer's (v3).
            guard language & 0x0F <= 3, language >> 4 <= 3 else { throw r.fail("unknown language \(language)") }
            let kind = try r.enumeration(ConsentKind.self, "consent kind")
            let linked = try r.bool("linked")
            t.records.append(RequestRecord(
                id: id, createdAt: createdAt, answerBy: answerBy, validTo: validTo, decidedAt: decidedAt, endedAt: endedAt,
                offeredBy: offeredBy, signerName: name, consumer: consumer, handledBy: handledBy, scope: scope,
                redirect: redirect, purpose: purpose, lastEvent: lastEvent, previousOfParty: previousOfParty,
                stored: stored, language: language, kind: kind, linked: linked))
        }
        // The id index, from all the records at once (SlotIndex.build: far fewer reads of records than one insert each).
        if let duplicate = t.slotByID.build(from: t.records) { throw r.fail("request \(t.records[Int(duplicate)].id) appears twice") }
        let partyCount = try r.count("party count")
        t.lastSlotByParty.reserveCapacity(partyCount)
        for _ in 0..<partyCount {
            let key = try r.varint("party")
            t.lastSlotByParty[key] = try index(&r, "party slot", below: recordCount)
        }
        let keyCount = try r.count("idempotency count")
        t.idempotency.reserveCapacity(keyCount)
        for _ in 0..<keyCount {
            let consumer = try r.uint32("idempotency consumer")
            let keyHash = try r.fixed64("idempotency key hash")
            let slot = try index(&r, "idempotency slot", below: recordCount)
            t.idempotency[IdempotencyKey(consumer: consumer, keyHash: keyHash)] = IdempotencyEntry(slot: slot, fingerprint: try r.fixed64("fingerprint"))
        }
        for _ in 0..<(try r.count("user token count")) {
            let slot = try index(&r, "user token slot", below: recordCount)
            t.pendingUserTokens[slot] = try r.digest("user token")
        }
        let codeCount = try r.count("code count")
        t.codes.reserveCapacity(codeCount)
        for _ in 0..<codeCount {
            let hash = try r.digest("code hash")
            let slot = try index(&r, "code slot", below: recordCount)
            t.codes[hash] = CodeEntry(slot: slot, expiresAt: try r.zigzag("code expiry"), exchanged: try r.bool("code exchanged"))
        }
        // Each party list must end: at most one step per record in all lists together.
        var steps = 0
        for (_, last) in t.lastSlotByParty {
            var slot = last
            while slot != RequestRecord.noSlot {
                steps += 1
                guard steps <= recordCount else { throw r.fail("the party lists form a cycle") }
                slot = t.records[Int(slot)].previousOfParty
            }
        }
        var queue: [CodeHash] = []
        let queueCount = try r.count("code queue count", elementSize: 32)
        queue.reserveCapacity(queueCount)
        for _ in 0..<queueCount { queue.append(try r.digest("queued code")) }
        t.codeQueue = FIFO(queue)

    }

    /// The events, the two feeds and the deadlines; from version 2 the daily
    /// use counts and the statistics.
    private static func decodeEvents(_ r: inout ByteReader, _ t: inout Tables, version: UInt8, limits: EventLimits) throws(CodecError) {
        let recordCount = limits.records
        let logCount = try r.count("event count", elementSize: 7)
        t.log.reserveCapacity(logCount)
        for _ in 0..<logCount {
            let time = try r.zigzag("event time")
            let subject = try r.uint32("event subject") &- 1
            // A request's events link backwards only, so walking them always ends.
            let previous = try optionalIndex(&r, "previous event", below: t.log.count)
            let actorOrg = try r.uint32("event actor")
            let kind = try r.enumeration(EventKind.self, "event kind")
            let role = try r.u8("event role")
            guard ActorRole(rawValue: role) != nil else { throw r.fail("unknown actor role \(role)") }
            let limit: Int
            switch kind {
            case .resourceRegistered, .consumerAuthorised, .consumerDeauthorised: limit = limits.registryLog
            case .vendorAuthorised, .vendorDeauthorised: limit = limits.vendorLog
            default: limit = recordCount
            }
            guard subject == RequestRecord.noSlot || Int(subject) < limit else { throw r.fail("event subject \(subject) points nowhere") }
            t.log.append(LoggedEvent(time: time, subject: subject, previous: previous, actorOrg: actorOrg,
                                     kind: kind, role: role, detail: try r.u8("event detail")))
        }
        for which in 0..<2 {
            var feed: [UInt32: [UInt32]] = [:]
            for _ in 0..<(try r.count("feed count")) {
                let org = try r.uint32("feed organisation")
                let n = try r.count("feed length")
                var list: [UInt32] = []
                list.reserveCapacity(n)
                var index: UInt64 = 0
                for _ in 0..<n {
                    // Entries are steps from the previous one; a step past the
                    // last event (one near 2^64 would wrap the sum) points nowhere.
                    let step = try r.varint("feed entry")
                    guard step < UInt64(logCount) - index else {
                        throw r.fail("feed entry \(index) + \(step) beyond the \(logCount) events")
                    }
                    index += step
                    list.append(UInt32(index))
                }
                feed[org] = list
            }
            if which == 0 { t.feedByConsumer = feed } else { t.feedByDataSource = feed }
        }
        var entries: [DeadlineHeap.Entry] = []
        let deadlineCount = try r.count("deadline count", elementSize: 3)
        entries.reserveCapacity(deadlineCount)
        for _ in 0..<deadlineCount {
            let deadline = try r.zigzag("deadline")
            let slot = try index(&r, "deadline slot", below: recordCount)
            let kind = try r.u8("deadline kind")
            guard kind <= 1 else { throw r.fail("unknown deadline kind \(kind)") }
            entries.append(.init(deadline: deadline, slot: slot, kind: kind))
        }
        t.deadlines = DeadlineHeap(entries: entries)
        if version >= 2 {
            for _ in 0..<(try r.count("daily use count", elementSize: 3)) {
                let key = try r.varint("daily use key")
                guard Int(key >> 8) < recordCount else { throw r.fail("daily use key \(key) points beyond the \(recordCount) records") }
                let day = try r.zigzag("daily use day")
                guard let day32 = Int32(exactly: day) else { throw r.fail("daily use day \(day) is out of range") }
                t.dailyUses[key] = DailyUses(day: day32, count: try r.uint32("daily use count"))
            }
            for _ in 0..<(try r.count("statistics count", elementSize: 8)) {
                let resource = try r.resourceID("statistics resource")
                let day = try r.zigzag("statistics day")
                guard let day32 = Int32(exactly: day) else { throw r.fail("statistics day \(day) is out of range") }
                var c = StatisticsCounts()
                c.given = try r.uint32("given"); c.rejected = try r.uint32("rejected"); c.withdrawn = try r.uint32("withdrawn")
                c.ended = try r.uint32("ended"); c.used = try r.uint32("used")
                t.statistics[StatisticsKey(resource: resource, day: day32)] = c
            }
        }
    }

    /// The tables keyed by request id (version 3 on): required delegators,
    /// answer authorities, purpose texts; from version 4 the templates and
    /// each request's template.
    private static func decodeRequestSideTables(_ r: inout ByteReader, _ t: inout Tables, version: UInt8) throws(CodecError) {
        if version >= 3 {
            for _ in 0..<(try r.count("required delegator count", elementSize: 17)) {
                let id = try r.requestID()
                guard t.slotByID.slot(of: id, in: t.records) != nil else { throw r.fail("required delegator of unknown request \(id)") }
                let person = try r.varint("required delegator")
                guard person <= 99_999_999_999 else { throw r.fail("required delegator has more than 11 digits") }
                t.requiredDelegators[id] = NationalIdentityNumber(unchecked: person)
            }
            for _ in 0..<(try r.count("answer authority count", elementSize: 17)) {
                let id = try r.requestID()
                guard t.slotByID.slot(of: id, in: t.records) != nil else { throw r.fail("answer authority of unknown request \(id)") }
                t.answerAuthorities[id] = try EventCodec.decodeRoles(&r, "answer authority")
            }
            for _ in 0..<(try r.count("purpose texts count", elementSize: 17)) {
                let id = try r.requestID()
                guard t.slotByID.slot(of: id, in: t.records) != nil else { throw r.fail("purpose texts of unknown request \(id)") }
                t.purposeTexts[id] = try EventCodec.decodeText(&r, "purpose texts")
            }
        }
        if version >= 4 {
            for _ in 0..<(try r.count("template count", elementSize: 10)) {
                var versions: [ConsentTemplate] = []
                for _ in 0..<(try r.count("template version count", elementSize: 10)) {
                    let template = try EventCodec.decodeTemplate(&r)
                    // Versions are dense from 1 under one id: a pin finds its version by position.
                    guard template.version == UInt32(versions.count + 1), versions.first.map({ $0.id == template.id }) ?? true else {
                        throw r.fail("template \(template.id.prefix(64)) version \(template.version) out of order")
                    }
                    // The owner never changes (decideRegisterTemplate): the owner
                    // checks read the last version, so a change would hand the id over.
                    if let owner = versions.first?.owner, template.owner != owner {
                        throw r.fail("template \(template.id.prefix(64)) changes owner at version \(template.version)")
                    }
                    versions.append(template)
                }
                guard let first = versions.first else { throw r.fail("a template without versions") }
                guard t.templates[first.id] == nil else { throw r.fail("template \(first.id.prefix(64)) given twice") }
                t.templates[first.id] = versions
            }
            for _ in 0..<(try r.count("request template count", elementSize: 19)) {
                let id = try r.requestID()
                guard t.slotByID.slot(of: id, in: t.records) != nil else { throw r.fail("template pin of unknown request \(id)") }
                guard t.requestTemplates[id] == nil else { throw r.fail("template pin of request \(id) given twice") }
                let pin = TemplatePin(id: try r.string("template id"), version: try r.uint32("template version"))
                // A pin the snapshot cannot resolve would silently show the hub's words instead.
                guard let versions = t.templates[pin.id] else {
                    throw r.fail("request \(id) pinned to template \(pin.id.prefix(64)), which the snapshot does not hold")
                }
                guard pin.version >= 1, Int(pin.version) <= versions.count else {
                    throw r.fail("request \(id) pinned to version \(pin.version) of template \(pin.id.prefix(64)), which has \(versions.count)")
                }
                t.requestTemplates[id] = pin
            }
        }
    }

    private static func index(_ r: inout ByteReader, _ field: StaticString, below count: Int) throws(CodecError) -> UInt32 {
        let v = try r.uint32(field)
        guard Int(v) < count else { throw r.fail("\(field) \(v) points beyond the \(count) entries") }
        return v
    }

    /// An index written plus one, 0 meaning none.
    private static func optionalIndex(_ r: inout ByteReader, _ field: StaticString, below count: Int) throws(CodecError) -> UInt32 {
        let v = try r.uint32(field)
        if v == 0 { return RequestRecord.noSlot }
        guard Int(v - 1) < count else { throw r.fail("\(field) \(v - 1) points beyond the \(count) entries") }
        return v - 1
    }
}

/// A reader handed to the helper thread: the bytes it reads are read-only
/// and outlive the decode, which waits for the helper before returning.
private struct SendableReader: @unchecked Sendable {
    let reader: ByteReader
}

/// The helper thread's result, read after waiting for it (the wait orders
/// the write before the read).
private final class AsideResult: @unchecked Sendable {
    var result: Result<Tables, CodecError>?
}
