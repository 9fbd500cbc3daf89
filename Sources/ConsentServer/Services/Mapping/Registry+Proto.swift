import ConsentCore
import ConsentProto
import ConsentRPC

// Registry values ⇄ the messages of registry.proto.

extension Consent_V1_ResourceDefinition {
    /// The wire form of a resource definition.
    init(_ r: Resource) {
        self.init(
            resourceId: r.id.description, ownerOrgNumber: r.owner.description, ownerName: r.ownerName,
            title: Consent_V1_LocalizedText(r.title), text: Consent_V1_LocalizedText(r.text),
            metadata: r.metadata.map(Consent_V1_MetadataField.init),
            dateRanges: r.dateRanges.map { Consent_V1_DateRange(fromKey: $0.fromKey, toKey: $0.toKey) },
            kind: Consent_V1_ConsentKind(r.kind),
            maximumValidity: Consent_V1_MaximumValidity(r.maximumValidity),
            requiredAssuranceLevel: UInt32(r.requiredAssuranceLevel.value), usesPerDay: r.usesPerDay ?? 0,
            organisationAuthority: r.organisationAuthority.map(\.code), actions: r.actions,
            consentTemplate: r.consentTemplate ?? "")
    }

    /// The domain resource this message describes.
    /// - Parameters:
    ///   - owner: the owner to use (the handler resolves an empty `owner_org_number`).
    ///   - field: the message's field name, to prefix errors (`resource`).
    /// - Throws: `INVALID_ARGUMENT` naming the first malformed field. The rules
    ///   of a resource (lengths, placeholders, keys) are the domain's, checked
    ///   when the command is decided.
    func resource(owner: OrganisationNumber, field: String) throws(RPCError) -> Resource {
        let id = try ProtoField.resourceID(resourceId, field: "\(field).resource_id")
        var fields: [MetadataField] = []
        for (index, m) in metadata.enumerated() {
            let format: MetadataFormat
            switch m.format {
            case .date: format = .date
            case .year: format = .year
            case .text: format = .text
            case .unspecified, .unrecognized:
                throw ProtoField.invalid("\(field).metadata[\(index)].format", reason: "metadata_format_unknown",
                                         "must be METADATA_FORMAT_DATE, METADATA_FORMAT_YEAR or METADATA_FORMAT_TEXT, not \(m.format.protoName)")
            }
            fields.append(MetadataField(key: m.key, format: format, isRequired: m.required))
        }
        let kind: ConsentKind
        switch self.kind {
        case .oneTime: kind = .oneTime
        case .timeLimited: kind = .timeLimited
        case .unspecified, .unrecognized:
            throw ProtoField.invalid("\(field).kind", reason: "consent_kind_unknown",
                                     "must be CONSENT_KIND_ONE_TIME or CONSENT_KIND_TIME_LIMITED, not \(self.kind.protoName)")
        }
        guard let validity = maximumValidity else {
            throw ProtoField.missing("\(field).maximum_validity", "how far ahead a consent may end, e.g. 3 years")
        }
        let maximum: MaximumValidity
        switch validity.unit {
        case .days: maximum = .days(Int(validity.amount))
        case .years: maximum = .years(Int(validity.amount))
        case .unspecified, .unrecognized:
            throw ProtoField.invalid("\(field).maximum_validity.unit", reason: "validity_unit_unknown",
                                     "must be VALIDITY_UNIT_DAYS or VALIDITY_UNIT_YEARS, not \(validity.unit.protoName)")
        }
        let level = try ProtoField.parse("\(field).required_assurance_level") { () throws(DomainError) in
            try AssuranceLevel(validating: Int(requiredAssuranceLevel))
        }
        var authority: [RoleCode] = []
        for (index, code) in organisationAuthority.enumerated() {
            authority.append(try ProtoField.parse("\(field).organisation_authority[\(index)]") { () throws(DomainError) in
                try RoleCode(validating: code)
            })
        }
        return Resource(
            id: id, owner: owner, ownerName: ownerName,
            title: (title ?? .init()).localized, text: (text ?? .init()).localized,
            metadata: fields,
            dateRanges: dateRanges.map { DateRange(fromKey: $0.fromKey, toKey: $0.toKey) },
            kind: kind, maximumValidity: maximum, requiredAssuranceLevel: level,
            usesPerDay: usesPerDay == 0 ? nil : usesPerDay, organisationAuthority: authority, actions: actions,
            consentTemplate: ProtoField.optionalText(consentTemplate))
    }
}

extension Consent_V1_LocalizedText {
    init(_ t: LocalizedText) {
        self.init(nbNo: t.bokmal ?? "", nnNo: t.nynorsk ?? "", en: t.english ?? "")
    }

    /// Empty strings are absent texts (the domain then falls back to Bokmål, or
    /// refuses a resource without one).
    var localized: LocalizedText {
        LocalizedText(bokmal: ProtoField.optionalText(nbNo), nynorsk: ProtoField.optionalText(nnNo),
                      english: ProtoField.optionalText(en))
    }
}

extension Consent_V1_MetadataField {
    init(_ f: MetadataField) {
        let format: Consent_V1_MetadataFormat
        switch f.format {
        case .date: format = .date
        case .year: format = .year
        case .text: format = .text
        }
        self.init(key: f.key, format: format, required: f.isRequired)
    }
}

extension Consent_V1_ConsentKind {
    init(_ kind: ConsentKind) {
        switch kind {
        case .oneTime: self = .oneTime
        case .timeLimited: self = .timeLimited
        }
    }
}

extension Consent_V1_MaximumValidity {
    init(_ m: MaximumValidity) {
        switch m {
        case .days(let n): self.init(unit: .days, amount: UInt32(clamping: n))
        case .years(let n): self.init(unit: .years, amount: UInt32(clamping: n))
        }
    }
}

extension Consent_V1_ConsumerAuthorisation {
    /// The wire form of a rettighetsregister entry.
    init(_ a: ConsumerAuthorisation) {
        self.init(resourceId: a.resource.description, consumerOrgNumber: a.consumer.description,
                  consumerName: a.consumerName, redirectDomains: a.redirectDomains)
    }

    /// The domain authorisation this message describes.
    /// - Throws: `INVALID_ARGUMENT` naming a malformed id; the domain checks
    ///   the name and the domains when the command is decided.
    func authorisation(field: String) throws(RPCError) -> ConsumerAuthorisation {
        ConsumerAuthorisation(
            resource: try ProtoField.resourceID(resourceId, field: "\(field).resource_id"),
            consumer: try ProtoField.organisation(consumerOrgNumber, field: "\(field).consumer_org_number"),
            consumerName: consumerName, redirectDomains: redirectDomains)
    }
}
