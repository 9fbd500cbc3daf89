import ConsentCore
import ConsentProto
import ConsentRPC

// Requests, consents, pages, log lines and feed entries ⇄ the messages of consent.proto.

extension Consent_V1_ConsentRequest {
    /// The wire form of a request as its consumer, a data source, its user or an admin sees it.
    /// - Parameter viewURL: the portal's template for `view_url`, if the hub has one.
    init(_ v: RequestView, viewURL: ViewURLTemplate?) {
        self.init(
            id: v.id.description, status: Consent_V1_ConsentRequestStatus(v.status),
            consumerOrgNumber: v.consumer.description, offeredBy: v.offeredBy?.digits ?? "",
            resources: v.resources.map(Consent_V1_RequestedResource.init),
            redirectUrl: v.redirectURL, purpose: v.purpose, language: v.language?.code ?? "",
            oneTime: v.kind == .oneTime,
            createdAtMs: v.createdAt.millisecondsSinceEpoch, answerByMs: v.answerBy.millisecondsSinceEpoch,
            validToMs: v.validTo.millisecondsSinceEpoch,
            decidedAtMs: v.decidedAt?.millisecondsSinceEpoch ?? 0, endedAtMs: v.endedAt?.millisecondsSinceEpoch ?? 0,
            viewUrl: viewURL?.url(for: v.id) ?? "", handledByOrgNumber: v.handledBy?.description ?? "",
            requiredDelegator: v.requiredDelegator?.digits ?? "", answerAuthority: v.answerAuthority.map(\.code),
            purposeTexts: v.purposeTexts == LocalizedText(bokmal: nil) ? nil : Consent_V1_PurposeTexts(
                nbNo: v.purposeTexts.bokmal ?? "", nnNo: v.purposeTexts.nynorsk ?? "", en: v.purposeTexts.english ?? ""),
            answerLanguage: v.answerLanguage?.code ?? "",
            templateId: v.template?.id ?? "", templateVersion: v.template?.version ?? 0)
    }
}

extension PartyID {
    /// The identifier as the wire carries it: 11 digits for a person, 9 for an
    /// organisation. Only for the party's own consumer, portal or admin: never
    /// for a log line or an error message.
    var digits: String {
        switch self {
        case .person(let id): return id.digits
        case .organisation(let org): return org.description
        }
    }
}

extension Consent_V1_RequestedResource {
    init(_ g: ResourceGrant) {
        self.init(resourceId: g.resource.description,
                  metadata: g.metadata.map { Consent_V1_ResourceMetadataValue(key: $0.key, value: $0.value) },
                  version: g.version, usesPerDay: g.usesPerDay ?? 0)
    }

    /// The domain's resource request; the metadata rules are checked when the command is decided.
    func resourceRequest(field: String) throws(RPCError) -> ResourceRequest {
        ResourceRequest(try ProtoField.resourceID(resourceId, field: "\(field).resource_id"),
                        metadata: metadata.map { MetadataValue($0.key, $0.value) })
    }
}

extension Consent_V1_CreateRequestRequest {
    /// The domain's new request.
    /// - Throws: `INVALID_ARGUMENT` naming the first malformed field; the rules
    ///   (authorisation, redirect domain, validity, metadata) are the domain's.
    func newRequest() throws(RPCError) -> NewConsentRequest {
        guard !resources.isEmpty else {
            throw ProtoField.missing("resources", "at least one resource, e.g. 5252_1 with its metadata")
        }
        var asked: [ResourceRequest] = []
        for (index, r) in resources.enumerated() {
            asked.append(try r.resourceRequest(field: "resources[\(index)]"))
        }
        guard validToMs != 0 else {
            throw ProtoField.missing("valid_to_ms", "when the consent ends, in Unix epoch milliseconds")
        }
        var request = NewConsentRequest(
            resources: asked,
            offeredBy: try ProtoField.optionalParty(offeredBy, field: "offered_by"),
            redirectURL: redirectUrl,
            validTo: try ProtoField.time(validToMs, field: "valid_to_ms"),
            language: try ProtoField.optionalLanguage(language, field: "language"),
            purpose: purpose,
            userToken: ProtoField.optionalText(userToken),
            idempotencyKey: ProtoField.optionalText(idempotencyKey),
            usesPerDay: usesPerDay == 0 ? nil : usesPerDay,
            requiredDelegator: requiredDelegator.isEmpty ? nil : try ProtoField.parse("required_delegator") { () throws(DomainError) in
                try NationalIdentityNumber(validating: requiredDelegator)
            })
        if let texts = purposeTexts {
            request.purposeTexts = LocalizedText(bokmal: texts.nbNo.isEmpty ? nil : texts.nbNo, nynorsk: texts.nnNo.isEmpty ? nil : texts.nnNo,
                                                 english: texts.en.isEmpty ? nil : texts.en)
        }
        return request
    }
}

extension Consent_V1_ConsentRequestStatus {
    init(_ s: ConsentStatus) {
        switch s {
        case .created: self = .created
        case .accepted: self = .accepted
        case .rejected: self = .rejected
        case .revoked: self = .revoked
        case .expired: self = .expired
        case .usedUp: self = .usedUp
        case .deleted: self = .deleted
        }
    }
}

extension Consent_V1_ConsentPage {
    /// The consent page as the portal shows it.
    init(_ r: RenderedRequest) {
        self.init(
            requestId: r.id.description, status: Consent_V1_ConsentRequestStatus(r.status), language: r.language.code,
            heading: r.heading, intro: r.intro, consumerName: r.consumerName,
            consumerOrgNumber: r.consumerOrganisationNumber.description,
            purposeHeading: r.purposeHeading, purpose: r.purpose, resourcesHeading: r.resourcesHeading,
            resources: r.resources.map {
                Consent_V1_PageResource(resourceId: $0.id.description, dataSourceName: $0.dataSourceName,
                                        title: $0.title, text: $0.text, language: $0.language.code, actions: $0.actions)
            },
            validity: r.validity, voluntaryNote: r.voluntaryNote, oneTime: r.isOneTime,
            validFromMs: r.validFrom.millisecondsSinceEpoch, validToMs: r.validTo.millisecondsSinceEpoch,
            acceptLabel: r.acceptLabel, rejectLabel: r.rejectLabel,
            requiredAssuranceLevel: UInt32(r.requiredAssuranceLevel.value),
            powerOfAttorney: r.isPowerOfAttorney, templateId: r.template?.id ?? "", templateVersion: r.template?.version ?? 0)
    }
}

extension Consent_V1_ConsentSummary {
    /// One line of the user's list.
    init(_ s: ConsentSummary) {
        self.init(
            id: s.id.description, status: Consent_V1_ConsentRequestStatus(s.status), statusText: s.statusText,
            consumerOrgNumber: s.consumer.description, consumerName: s.consumerName,
            resourceTitles: s.resourceTitles, oneTime: s.isOneTime,
            createdAtMs: s.createdAt.millisecondsSinceEpoch, decidedAtMs: s.decidedAt?.millisecondsSinceEpoch ?? 0,
            validToMs: s.validTo.millisecondsSinceEpoch, validToText: OsloTime.dateTimeText(s.validTo),
            endedAtMs: s.endedAt?.millisecondsSinceEpoch ?? 0, canRevoke: s.canRevoke)
    }
}

extension Consent_V1_ConsentLogLine {
    /// One line of the Samtykkelogg.
    init(_ l: ConsentLogLine) {
        let kind: Consent_V1_ConsentLogKind
        switch l.kind {
        case .given: kind = .given
        case .rejected: kind = .rejected
        case .used: kind = .used
        case .revoked: kind = .revoked
        case .expired: kind = .expired
        case .ended: kind = .ended
        }
        self.init(consentId: l.consentID.description, kind: kind, timeMs: l.time.millisecondsSinceEpoch,
                  date: l.date, title: l.title, text: l.text)
    }
}

extension Consent_V1_ConsentEvent {
    /// One entry of the events feed. End users are not identified here.
    init(_ e: FeedEntry) {
        let role: Consent_V1_PerformerRole
        var org: OrganisationNumber? = nil
        switch e.performedBy {
        case .consumer(let o): role = .consumer; org = o
        case .dataSource(let o): role = .dataSource; org = o
        case .endUser: role = .endUser
        case .admin(let o): role = .admin; org = o
        case .portal(let o): role = .portal; org = o
        case .vendor(let o): role = .vendor; org = o
        case .system: role = .system
        }
        self.init(
            sequence: e.sequence, type: Consent_V1_ConsentEventType(e.kind), timeMs: e.time.millisecondsSinceEpoch,
            requestId: e.requestID?.description ?? "", resourceId: e.resource?.description ?? "",
            consumerOrgNumber: e.consumer?.description ?? "", performedBy: role,
            performedByOrgNumber: org?.description ?? "", vendorOrgNumber: e.vendor?.description ?? "")
    }
}

extension Consent_V1_ConsentEventType {
    /// The wire value of an event kind: the same number as the event's type byte.
    init(_ kind: EventKind) {
        self.init(rawValue: Int32(kind.rawValue))
    }
}

extension ConsentStatus {
    /// The status of a wire value; `nil` for UNSPECIFIED and numbers this build does not know.
    init?(_ status: Consent_V1_ConsentRequestStatus) {
        guard status.rawValue > 0, status.rawValue <= Int32(UInt8.max), let s = ConsentStatus(rawValue: UInt8(status.rawValue)) else {
            return nil
        }
        self = s
    }
}

extension EventKind {
    /// The event kind of a wire value; `nil` for UNSPECIFIED and numbers this build does not know.
    init?(_ type: Consent_V1_ConsentEventType) {
        guard type.rawValue > 0, type.rawValue <= Int32(UInt8.max), let kind = EventKind(rawValue: UInt8(type.rawValue)) else {
            return nil
        }
        self = kind
    }
}

extension Consent_V1_StatisticsRow {
    /// One row of statistics: counts only.
    init(_ row: StatisticsRow) {
        self.init(resourceId: row.resource.description, period: row.period, given: UInt64(row.counts.given),
                  rejected: UInt64(row.counts.rejected), withdrawn: UInt64(row.counts.withdrawn),
                  ended: UInt64(row.counts.ended), used: UInt64(row.counts.used))
    }
}

extension Consent_V1_CountConsentsResponse {
    /// The states a person's request can be in, in the order the contract lists them.
    static let statuses: [ConsentStatus] = [.created, .accepted, .rejected, .revoked, .expired, .usedUp]

    /// Every state with its count, zeros included.
    init(_ counts: ConsentCounts) {
        self.init(counts: Self.statuses.map { Consent_V1_ConsentStatusCount(status: .init($0), count: UInt32(clamping: counts.byStatus[$0] ?? 0)) },
                  endedByConsumer: UInt32(clamping: counts.endedByConsumer))
    }
}
