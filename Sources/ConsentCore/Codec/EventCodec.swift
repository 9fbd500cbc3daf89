/// The binary encoding of events: versioned, compact, Foundation-free, and
/// fast to decode (no allocation but for strings; the hot events — used, code
/// exchanged — have none). The layout is documented in docs/DOMAIN.md,
/// section "Event encoding".
public enum EventCodec {
    /// The first version byte: every event type still reads it.
    public static let version: UInt8 = 1
    /// The latest version byte, written for the types whose layout grew:
    /// in version 2 `resourceRegistered` and `requestCreated` gained the daily
    /// use limit; in version 3 (organisation authority, issue 12 point 3)
    /// `resourceRegistered` gained the authority roles, `requestCreated` the
    /// required delegator, `requestAccepted` and `requestRejected` the roles
    /// the person answered by, and these and `consentRevoked` (the types a
    /// person or the portal performs) the roles the person holds per
    /// organisation in their actor. In version 4 `resourceRegistered` gained
    /// the consent template it names (issue 12, point 4), written only for a
    /// resource that names one: the others are version 3, byte for byte as
    /// before. Every other type is written as version 1, byte for byte as
    /// before; a newer byte than its type has is refused.
    public static let latestVersion: UInt8 = 4

    /// The newest version an event of `kind` is read in.
    static func writtenVersion(_ kind: EventKind) -> UInt8 {
        switch kind {
        case .resourceRegistered: return 4
        case .requestCreated, .requestAccepted, .requestRejected, .consentRevoked: return 3
        default: return version
        }
    }

    /// The version one event is written in: the newest of its type, except
    /// that a resource without a template keeps version 3's layout.
    static func writtenVersion(_ event: Event) -> UInt8 {
        if case .resourceRegistered(let resource) = event.payload, resource.consentTemplate == nil { return 3 }
        return writtenVersion(event.kind)
    }

    /// Encodes an event.
    public static func encode(_ event: Event) -> [UInt8] {
        var w = ByteWriter(capacity: 96)
        let encoding = writtenVersion(event)
        w.u8(encoding)
        w.u8(event.kind.rawValue)
        w.varint(event.sequence)
        w.zigzag(event.time.millisecondsSinceEpoch)
        encode(event.actor, into: &w, encoding: min(encoding, 3))
        switch event.payload {
        case .resourceRegistered(let resource):
            encode(resource, into: &w, encoding: encoding)
        case .templateRegistered(let template):
            encode(template, into: &w)
        case .consumerAuthorised(let a):
            encode(a, into: &w)
        case .consumerDeauthorised(let resource, let consumer):
            w.resourceID(resource)
            w.varint(UInt64(consumer.value))
        case .requestCreated(let c):
            w.requestID(c.id)
            w.varint(UInt64(c.consumer.value))
            w.varint(c.offeredBy?.key ?? 0)
            encode(c.grants, into: &w)
            w.string(c.redirectURL)
            w.zigzag(c.validTo.millisecondsSinceEpoch)
            w.zigzag(c.answerBy.millisecondsSinceEpoch)
            w.u8(c.language?.rawValue ?? 0)
            w.string(c.purpose)
            if let token = c.userToken { w.u8(1); w.digest(token) } else { w.u8(0) }
            w.optionalString(c.idempotencyKey)
            w.fixed64(c.fingerprint)
            w.u8(c.kind.rawValue)
            w.varint(c.requiredDelegator?.value ?? 0)  // version 3
            encode(c.purposeTexts, into: &w)  // version 3
        case .requestAccepted(let a):
            w.requestID(a.id)
            w.varint(a.party.key)
            w.digest(a.codeHash)
            w.zigzag(a.codeExpiresAt.millisecondsSinceEpoch)
            encode(a.authority, into: &w)  // version 3
            w.u8(a.language?.rawValue ?? 0)
        case .requestRejected(let id, let party, let authority, let language):
            w.requestID(id)
            w.varint(party.key)
            encode(authority, into: &w)  // version 3
            w.u8(language?.rawValue ?? 0)
        case .consentRevoked(let id), .requestExpired(let id), .consentExpired(let id), .requestDeleted(let id):
            w.requestID(id)
        case .codeExchanged(let id, let hash), .codeReuseAttempted(let id, let hash):
            w.requestID(id)
            w.digest(hash)
        case .consentUsed(let u):
            w.requestID(u.id)
            w.resourceID(u.resource)
            w.zigzag(u.usedAt.millisecondsSinceEpoch)
        case .vendorAuthorised(let a):
            encode(a, into: &w)
        case .vendorDeauthorised(let consumer, let vendor):
            w.varint(UInt64(consumer.value))
            w.varint(UInt64(vendor.value))
        }
        return w.bytes
    }

    /// Decodes an event.
    /// - Throws: ``CodecError`` naming what was wrong: an unknown version or
    ///   event type, truncated input (and which field), a value out of range,
    ///   or bytes left over.
    public static func decode(_ bytes: [UInt8]) throws(CodecError) -> Event {
        try bytes.withUnsafeBufferPointer { (buffer) throws(CodecError) -> Event in
            var r = ByteReader(buffer)
            return try decode(&r)
        }
    }

    /// Decodes an event from a slice (e.g. a record inside a larger buffer).
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(CodecError) -> Event {
        try bytes.withUnsafeBufferPointer { (buffer) throws(CodecError) -> Event in
            var r = ByteReader(buffer)
            return try decode(&r)
        }
    }

    static func decode(_ r: inout ByteReader) throws(CodecError) -> Event {
        let v = try r.u8("version")
        guard (version...latestVersion).contains(v) else {
            throw CodecError("unsupported event encoding version \(v) (this build reads versions \(version) to \(latestVersion))", offset: 0)
        }
        let rawKind = try r.u8("event type")
        guard let kind = EventKind(rawValue: rawKind) else { throw CodecError("unknown event type \(rawKind)", offset: 1) }
        guard v <= writtenVersion(kind) else {
            throw CodecError("unsupported event encoding version \(v) for a \(kind) event (it has versions up to \(writtenVersion(kind)))", offset: 0)
        }
        let sequence = try r.varint("sequence")
        let time = Timestamp(millisecondsSinceEpoch: try r.zigzag("time"))
        let actor = try decodeActor(&r, encoding: min(v, 3))
        let payload: EventPayload
        switch kind {
        case .resourceRegistered:
            payload = .resourceRegistered(try decodeResource(&r, encoding: v))
        case .consumerAuthorised:
            payload = .consumerAuthorised(try decodeAuthorisation(&r))
        case .consumerDeauthorised:
            payload = .consumerDeauthorised(resource: try r.resourceID("resource id"), consumer: try r.organisation("consumer"))
        case .requestCreated:
            let id = try r.requestID()
            let consumer = try r.organisation("consumer")
            let offeredBy = try r.party("offered-by")
            let grants = try decodeGrants(&r, encoding: v)
            let redirect = try r.string("redirect URL")
            let validTo = Timestamp(millisecondsSinceEpoch: try r.zigzag("valid-to"))
            let answerBy = Timestamp(millisecondsSinceEpoch: try r.zigzag("answer-by"))
            let languageRaw = try r.u8("language")
            let language: Language?
            if languageRaw == 0 { language = nil } else {
                guard let l = Language(rawValue: languageRaw) else { throw r.fail("unknown language \(languageRaw)") }
                language = l
            }
            let purpose = try r.string("purpose")
            let token: SHA256Digest? = try r.bool("user token") ? try r.digest("user token") : nil
            let key = try r.optionalString("idempotency key")
            let fingerprint = try r.fixed64("fingerprint")
            let consentKind = try r.enumeration(ConsentKind.self, "consent kind")
            let delegator = v >= 3 ? try r.varint("required delegator") : 0
            guard delegator <= 99_999_999_999 else { throw r.fail("required delegator has more than 11 digits") }
            let purposes = v >= 3 ? try decodeText(&r, "purpose texts") : LocalizedText(bokmal: nil)
            payload = .requestCreated(RequestCreated(
                id: id, consumer: consumer, offeredBy: offeredBy, grants: grants, redirectURL: redirect,
                validTo: validTo, answerBy: answerBy, language: language, purpose: purpose, userToken: token,
                idempotencyKey: key, fingerprint: fingerprint, kind: consentKind,
                requiredDelegator: delegator == 0 ? nil : NationalIdentityNumber(unchecked: delegator), purposeTexts: purposes))
        case .requestAccepted:
            let id = try r.requestID()
            guard let party = try r.party("party") else { throw r.fail("an acceptance must name its party") }
            let hash = try r.digest("code hash")
            let expires = Timestamp(millisecondsSinceEpoch: try r.zigzag("code expiry"))
            let authority = v >= 3 ? try decodeRoles(&r, "answer authority") : []
            let language = v >= 3 ? try decodeLanguage(&r) : nil
            payload = .requestAccepted(RequestAccepted(id: id, party: party, codeHash: hash, codeExpiresAt: expires, authority: authority,
                                                       language: language))
        case .requestRejected:
            let id = try r.requestID()
            guard let party = try r.party("party") else { throw r.fail("a rejection must name its party") }
            let authority = v >= 3 ? try decodeRoles(&r, "answer authority") : []
            payload = .requestRejected(id: id, party: party, authority: authority, language: v >= 3 ? try decodeLanguage(&r) : nil)
        case .consentRevoked:
            payload = .consentRevoked(try r.requestID())
        case .requestExpired:
            payload = .requestExpired(try r.requestID())
        case .consentExpired:
            payload = .consentExpired(try r.requestID())
        case .requestDeleted:
            payload = .requestDeleted(try r.requestID())
        case .codeExchanged:
            payload = .codeExchanged(try r.requestID(), try r.digest("code hash"))
        case .codeReuseAttempted:
            payload = .codeReuseAttempted(try r.requestID(), try r.digest("code hash"))
        case .consentUsed:
            let id = try r.requestID()
            let resource = try r.resourceID("resource id")
            let usedAt = Timestamp(millisecondsSinceEpoch: try r.zigzag("used-at"))
            payload = .consentUsed(ConsentUse(id: id, resource: resource, usedAt: usedAt))
        case .vendorAuthorised:
            payload = .vendorAuthorised(try decodeVendorAuthorisation(&r))
        case .vendorDeauthorised:
            payload = .vendorDeauthorised(consumer: try r.organisation("consumer"), vendor: try r.organisation("vendor"))
        case .templateRegistered:
            payload = .templateRegistered(try decodeTemplate(&r))
        }
        guard r.isAtEnd else { throw r.fail("\(r.remaining) unexpected bytes after a \(kind) event") }
        return Event(sequence: sequence, time: time, actor: actor, payload: payload)
    }

    // MARK: Parts

    /// - Parameter encoding: the event's version: from 3 an end user carries their organisation roles.
    static func encode(_ actor: Actor, into w: inout ByteWriter, encoding: UInt8) {
        w.u8(ActorRole(actor).rawValue)
        switch actor {
        case .consumer(let org), .dataSource(let org), .admin(let org):
            w.varint(UInt64(org.value))
        case .portal(let org, let user):
            w.varint(UInt64(org.value))
            encode(user, into: &w, encoding: encoding)
        case .vendor(let vendor, let consumer):
            w.varint(UInt64(vendor.value))
            w.varint(UInt64(consumer.value))
        case .endUser(let user):
            encode(user, into: &w, encoding: encoding)
        case .system:
            break
        }
    }

    static func encode(_ user: EndUser, into w: inout ByteWriter, encoding: UInt8) {
        w.varint(user.nationalId.value)
        w.u8(user.assuranceLevel.value)
        w.varint(UInt64(user.maySignFor.count))
        for org in user.maySignFor { w.varint(UInt64(org.value)) }
        w.optionalString(user.name)
        guard encoding >= 3 else { return }
        w.varint(UInt64(user.organisationRoles.count))
        for org in user.organisationRoles.keys.sorted(by: { $0.value < $1.value }) {
            w.varint(UInt64(org.value))
            encode(user.organisationRoles[org]!, into: &w)
        }
    }

    static func encode(_ roles: [RoleCode], into w: inout ByteWriter) {
        w.varint(UInt64(roles.count))
        for role in roles { w.string(role.code) }
    }

    /// A `u8` language, 0 for none.
    static func decodeLanguage(_ r: inout ByteReader, _ field: StaticString = "answer language") throws(CodecError) -> Language? {
        let raw = try r.u8(field)
        if raw == 0 { return nil }
        guard let language = Language(rawValue: raw) else { throw r.fail("unknown language \(raw)") }
        return language
    }

    static func decodeRoles(_ r: inout ByteReader, _ field: StaticString) throws(CodecError) -> [RoleCode] {
        let n = try r.count(field, elementSize: 3)
        var roles: [RoleCode] = []
        roles.reserveCapacity(n)
        for _ in 0..<n {
            let text = try r.string(field)
            guard let role = try? RoleCode(validating: text), role.code == text else { throw r.fail("'\(text.prefix(20))' is not a role code") }
            roles.append(role)
        }
        return roles
    }

    static func decodeActor(_ r: inout ByteReader, encoding: UInt8) throws(CodecError) -> Actor {
        let role = try r.enumeration(ActorRole.self, "actor role")
        switch role {
        case .consumer: return .consumer(try r.organisation("actor organisation"))
        case .dataSource: return .dataSource(try r.organisation("actor organisation"))
        case .admin: return .admin(try r.organisation("actor organisation"))
        case .portal: return .portal(try r.organisation("actor organisation"), user: try decodeEndUser(&r, encoding: encoding))
        case .vendor: return .vendor(try r.organisation("actor organisation"), for: try r.organisation("actor's consumer"))
        case .system: return .system
        case .endUser: return .endUser(try decodeEndUser(&r, encoding: encoding))
        }
    }

    static func decodeEndUser(_ r: inout ByteReader, encoding: UInt8) throws(CodecError) -> EndUser {
        let id = try r.varint("national id")
        guard id <= 99_999_999_999 else { throw r.fail("national id has more than 11 digits") }
        let level = try r.u8("assurance level")
        guard (1...4).contains(level) else { throw r.fail("assurance level \(level) is not 1 to 4") }
        let n = try r.count("signatory organisation count")
        var orgs: [OrganisationNumber] = []
        orgs.reserveCapacity(n)
        for _ in 0..<n { orgs.append(try r.organisation("signatory organisation")) }
        let name = try r.optionalString("user name")
        var roles: [OrganisationNumber: [RoleCode]] = [:]
        if encoding >= 3 {
            for _ in 0..<(try r.count("role organisation count", elementSize: 5)) {
                roles[try r.organisation("role organisation")] = try decodeRoles(&r, "organisation role")
            }
        }
        var user = EndUser(nationalId: NationalIdentityNumber(unchecked: id),
                           assuranceLevel: AssuranceLevel(unchecked: level), maySignFor: orgs, name: name)
        user.organisationRoles = roles  // as recorded, in the recorded order
        return user
    }

    static func encode(_ text: LocalizedText, into w: inout ByteWriter) {
        var mask: UInt8 = 0
        if text.bokmal != nil { mask |= 1 }
        if text.nynorsk != nil { mask |= 2 }
        if text.english != nil { mask |= 4 }
        w.u8(mask)
        if let s = text.bokmal { w.string(s) }
        if let s = text.nynorsk { w.string(s) }
        if let s = text.english { w.string(s) }
    }

    static func decodeText(_ r: inout ByteReader, _ field: StaticString) throws(CodecError) -> LocalizedText {
        let mask = try r.u8(field)
        guard mask < 8 else { throw r.fail("\(field) language mask \(mask) is not 0 to 7") }
        let nb = mask & 1 != 0 ? try r.string(field) : nil
        let nn = mask & 2 != 0 ? try r.string(field) : nil
        let en = mask & 4 != 0 ? try r.string(field) : nil
        return LocalizedText(bokmal: nb, nynorsk: nn, english: en)
    }

    /// - Parameter encoding: 4 (snapshots, and events of resources naming a
    ///   template) adds the template; 3 is the layout before templates.
    static func encode(_ resource: Resource, into w: inout ByteWriter, encoding: UInt8) {
        w.resourceID(resource.id)
        w.varint(UInt64(resource.owner.value))
        w.string(resource.ownerName)
        encode(resource.title, into: &w)
        encode(resource.text, into: &w)
        w.varint(UInt64(resource.metadata.count))
        for field in resource.metadata {
            w.string(field.key)
            w.u8(field.format.rawValue)
            w.bool(field.isRequired)
        }
        w.varint(UInt64(resource.dateRanges.count))
        for range in resource.dateRanges {
            w.string(range.fromKey)
            w.string(range.toKey)
        }
        w.u8(resource.kind.rawValue)
        switch resource.maximumValidity {
        case .days(let n): w.u8(1); w.varint(UInt64(clamping: n))
        case .years(let n): w.u8(2); w.varint(UInt64(clamping: n))
        }
        w.u8(resource.requiredAssuranceLevel.value)
        w.varint(UInt64(resource.usesPerDay ?? 0))  // version 2
        encode(resource.organisationAuthority, into: &w)  // version 3
        w.varint(UInt64(resource.actions.count))  // version 3
        for action in resource.actions { w.string(action) }
        if encoding >= 4 { w.optionalString(resource.consentTemplate) }
    }

    /// - Parameter encoding: the event version: 1 (no daily limit), 2, or 3 (organisation authority).
    static func decodeResource(_ r: inout ByteReader, encoding: UInt8) throws(CodecError) -> Resource {
        let id = try r.resourceID("resource id")
        let owner = try r.organisation("resource owner")
        let ownerName = try r.string("owner name")
        let title = try decodeText(&r, "title")
        let text = try decodeText(&r, "text")
        let fieldCount = try r.count("metadata field count", elementSize: 3)
        var fields: [MetadataField] = []
        for _ in 0..<fieldCount {
            let key = try r.string("metadata key")
            let format = try r.enumeration(MetadataFormat.self, "metadata format")
            fields.append(MetadataField(key: key, format: format, isRequired: try r.bool("metadata required")))
        }
        let rangeCount = try r.count("date range count", elementSize: 2)
        var ranges: [DateRange] = []
        for _ in 0..<rangeCount {
            ranges.append(DateRange(fromKey: try r.string("range from"), toKey: try r.string("range to")))
        }
        let kind = try r.enumeration(ConsentKind.self, "consent kind")
        let unit = try r.u8("validity unit")
        let amount = try r.varint("validity amount")
        guard amount <= 1_000_000 else { throw r.fail("maximum validity \(amount) is out of range") }
        let validity: MaximumValidity
        switch unit {
        case 1: validity = .days(Int(amount))
        case 2: validity = .years(Int(amount))
        default: throw r.fail("unknown validity unit \(unit)")
        }
        let level = try r.u8("assurance level")
        guard (1...4).contains(level) else { throw r.fail("assurance level \(level) is not 1 to 4") }
        let usesPerDay = encoding >= 2 ? try r.uint32("uses per day") : 0
        let authority = encoding >= 3 ? try decodeRoles(&r, "organisation authority") : []
        var actions: [String] = []
        if encoding >= 3 {
            for _ in 0..<(try r.count("action count", elementSize: 2)) { actions.append(try r.string("action")) }
        }
        let template = encoding >= 4 ? try r.optionalString("consent template") : nil
        return Resource(id: id, owner: owner, ownerName: ownerName, title: title, text: text, metadata: fields,
                        dateRanges: ranges, kind: kind, maximumValidity: validity,
                        requiredAssuranceLevel: AssuranceLevel(unchecked: level), usesPerDay: usesPerDay == 0 ? nil : usesPerDay,
                        organisationAuthority: authority, actions: actions, consentTemplate: template)
    }

    /// A consent template (`templateRegistered`, version 1; snapshots from version 4).
    static func encode(_ t: ConsentTemplate, into w: inout ByteWriter) {
        w.string(t.id)
        w.varint(UInt64(t.owner.value))
        w.varint(UInt64(t.version))
        w.u8(t.kind.rawValue)
        for (_, text) in t.fields { encode(text, into: &w) }
    }

    static func decodeTemplate(_ r: inout ByteReader) throws(CodecError) -> ConsentTemplate {
        let id = try r.string("template id")
        let owner = try r.organisation("template owner")
        let version = try r.uint32("template version")
        guard version >= 1 else { throw r.fail("template version 0") }
        let kind = try r.enumeration(TemplateKind.self, "template kind")
        return ConsentTemplate(id: id, owner: owner, version: version, kind: kind,
                               heading: try decodeText(&r, "template heading"), intro: try decodeText(&r, "template intro"),
                               expiry: try decodeText(&r, "template expiry"), log: try decodeText(&r, "template log"))
    }

    static func encode(_ a: ConsumerAuthorisation, into w: inout ByteWriter) {
        w.resourceID(a.resource)
        w.varint(UInt64(a.consumer.value))
        w.string(a.consumerName)
        w.varint(UInt64(a.redirectDomains.count))
        for d in a.redirectDomains { w.string(d) }
    }

    static func decodeAuthorisation(_ r: inout ByteReader) throws(CodecError) -> ConsumerAuthorisation {
        let resource = try r.resourceID("resource id")
        let consumer = try r.organisation("consumer")
        let name = try r.string("consumer name")
        let n = try r.count("redirect domain count")
        var domains: [String] = []
        for _ in 0..<n { domains.append(try r.string("redirect domain")) }
        return ConsumerAuthorisation(resource: resource, consumer: consumer, consumerName: name, redirectDomains: domains)
    }

    static func encode(_ a: VendorAuthorisation, into w: inout ByteWriter) {
        w.varint(UInt64(a.consumer.value))
        w.varint(UInt64(a.vendor.value))
        w.string(a.vendorName)
        w.varint(UInt64(a.resources.count))
        for resource in a.resources { w.resourceID(resource) }
    }

    static func decodeVendorAuthorisation(_ r: inout ByteReader) throws(CodecError) -> VendorAuthorisation {
        let consumer = try r.organisation("consumer")
        let vendor = try r.organisation("vendor")
        let name = try r.string("vendor name")
        let n = try r.count("vendor resource count", elementSize: 2)
        var resources: [ResourceID] = []
        resources.reserveCapacity(n)
        for _ in 0..<n { resources.append(try r.resourceID("vendor resource")) }
        return VendorAuthorisation(consumer: consumer, vendor: vendor, vendorName: name, resources: resources)
    }

    static func encode(_ grants: [ResourceGrant], into w: inout ByteWriter) {
        w.varint(UInt64(grants.count))
        for g in grants {
            w.resourceID(g.resource)
            w.varint(UInt64(g.version))
            w.varint(UInt64(g.metadata.count))
            for m in g.metadata { w.string(m.key); w.string(m.value) }
            w.varint(UInt64(g.usesPerDay ?? 0))  // version 2
        }
    }

    /// - Parameter encoding: the event version: 1 (no daily limit) or 2.
    static func decodeGrants(_ r: inout ByteReader, encoding: UInt8) throws(CodecError) -> [ResourceGrant] {
        let n = try r.count("resource count", elementSize: 4)
        var grants: [ResourceGrant] = []
        grants.reserveCapacity(n)
        for _ in 0..<n {
            let resource = try r.resourceID("resource id")
            let version = try r.uint32("resource version")
            let m = try r.count("metadata count", elementSize: 2)
            var metadata: [MetadataValue] = []
            metadata.reserveCapacity(m)
            for _ in 0..<m { metadata.append(MetadataValue(try r.string("metadata key"), try r.string("metadata value"))) }
            let limit = encoding >= 2 ? try r.uint32("uses per day") : 0
            grants.append(ResourceGrant(resource: resource, version: version, metadata: metadata, usesPerDay: limit == 0 ? nil : limit))
        }
        return grants
    }
}
