/// The rules a resource definition and a consumer authorisation must follow.
enum ResourceRules {
    /// The longest consent text, title or purpose (DESIGN §2: "Consent texts are at most 1,000 characters").
    static let maximumTextLength = 1000
    /// The longest organisation or consumer name.
    static let maximumNameLength = 200
    /// The most metadata keys per resource and redirect domains per authorisation.
    static let maximumListLength = 20
    /// The uses per day a resource or request may allow: 1 to 10,000 (more is no limit worth keeping).
    static let usesPerDay: ClosedRange<UInt32> = 1...10_000

    /// Checks a resource definition.
    /// - Throws: the first rule broken, each with its own reason (see DOMAIN.md).
    static func validate(_ r: Resource) throws(DomainError) {
        try checkName(r.ownerName, field: "ownerName", missingReason: "owner_name_missing", tooLongReason: "owner_name_too_long")
        guard r.title.bokmal.map({ !$0.isEmpty }) == true else { throw .textMissingBokmal(r.id, field: "title") }
        guard r.text.bokmal.map({ !$0.isEmpty }) == true else { throw .textMissingBokmal(r.id, field: "text") }

        guard r.metadata.count <= maximumListLength else { throw .tooManyMetadataKeys(r.id, r.metadata.count, maximum: maximumListLength) }
        var keys = Set<String>()
        for field in r.metadata {
            guard isMetadataKey(field.key) else { throw .metadataKeyInvalid(r.id, field.key) }
            guard Placeholder(rawValue: field.key) == nil else { throw .metadataKeyReserved(r.id, field.key) }
            guard keys.insert(field.key).inserted else { throw .metadataKeyDeclaredTwice(r.id, field.key) }
        }
        for range in r.dateRanges {
            guard let from = r.field(range.fromKey), from.format == .date,
                  let to = r.field(range.toKey), to.format == .date, range.fromKey != range.toKey
            else { throw .dateRangeInvalid(r.id, range) }
        }

        for (field, text) in [("title", r.title), ("text", r.text)] {
            for (language, value) in text.present {
                let count = value.limitLength
                guard count <= maximumTextLength else { throw .textTooLong(r.id, field: field, language: language, count: count) }
                for name in try TextTemplate.placeholders(in: value, resource: r.id) {
                    guard Placeholder(rawValue: name) != nil || keys.contains(name) else {
                        throw .textUnknownPlaceholder(r.id, name, metadataKeys: r.metadata.map(\.key))
                    }
                }
            }
        }
        guard r.maximumValidity.isSensible else { throw .maximumValidityOutOfRange(r.id, r.maximumValidity) }
        if let limit = r.usesPerDay, !usesPerDay.contains(limit) { throw .usesPerDayOutOfRange(limit, maximum: usesPerDay.upperBound) }
        guard r.organisationAuthority.count <= maximumListLength else {
            throw .tooManyAuthorityRoles(r.id, r.organisationAuthority.count, maximum: maximumListLength)
        }
        guard Set(r.organisationAuthority).count == r.organisationAuthority.count else {
            throw .authorityRoleRepeated(r.id, r.organisationAuthority)
        }
        guard r.actions.count <= maximumActions else { throw .tooManyActions(r.id, r.actions.count, maximum: maximumActions) }
        var actions = Set<String>()
        for action in r.actions {
            guard isAction(action) else { throw .actionMalformed(r.id, action) }
            guard actions.insert(action).inserted else { throw .actionRepeated(r.id, action) }
        }
    }

    /// Checks an authorisation and returns it with domains lowercased, trimmed and without repeats.
    static func normalise(_ a: ConsumerAuthorisation) throws(DomainError) -> ConsumerAuthorisation {
        try checkName(a.consumerName, field: "consumerName", missingReason: "consumer_name_missing", tooLongReason: "consumer_name_too_long")
        guard !a.redirectDomains.isEmpty else { throw .redirectDomainsMissing(a.consumer) }
        guard a.redirectDomains.count <= maximumListLength else {
            throw .tooManyRedirectDomains(a.redirectDomains.count, maximum: maximumListLength)
        }
        var domains: [String] = []
        for raw in a.redirectDomains {
            let domain = try RedirectURL.registeredDomain(raw)
            if !domains.contains(domain) { domains.append(domain) }
        }
        var out = a
        out.consumerName = a.consumerName.trimmingASCIIWhitespace()
        out.redirectDomains = domains
        return out
    }

    /// Checks a name shown to users. The reasons are written out whole at the
    /// call sites, so that every reason the hub sends is a literal in the
    /// sources (docs/REASONS.md is checked against them).
    static func checkName(_ name: String, field: String, missingReason: String, tooLongReason: String) throws(DomainError) {
        let trimmed = name.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .nameMissing(field: field, reason: missingReason) }
        guard trimmed.limitLength <= maximumNameLength else {
            throw .nameTooLong(field: field, reason: tooLongReason, count: trimmed.limitLength, maximum: maximumNameLength)
        }
    }

    /// The most actions a resource grants beyond reading.
    static let maximumActions = 10

    /// A lower-case letter, then lower-case letters, digits and '-', at most
    /// 32; not `consent`, which every right has.
    static func isAction(_ action: String) -> Bool {
        let bytes = Array(action.utf8)
        guard (1...32).contains(bytes.count), action != "consent", (0x61...0x7A).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// A letter, then letters and digits, at most 64: fits in a query parameter
    /// name (`5252_1_fraOgMed`) and a placeholder (`{fraOgMed}`).
    static func isMetadataKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        return isLetter(bytes[0]) && bytes.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}

extension String {
    /// The length that text limits count: Unicode scalars, not `Character`s.
    /// A grapheme cluster has no size limit ("a" followed by a million
    /// combining accents is one `Character` of 2 MB), so a limit counted in
    /// `count` would bound nothing; a scalar is at most 4 UTF-8 bytes. For the
    /// precomposed letters of Norwegian text the two counts agree.
    public var limitLength: Int { unicodeScalars.count }

    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
