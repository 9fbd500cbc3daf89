extension ConsentState {
    /// The longest idempotency key.
    static let maximumIdempotencyKeyLength = 128

    func decideCreate<R: RandomNumberGenerator>(
        _ request: NewConsentRequest, acting: Acting, now: Timestamp,
        random: inout R, out: inout EventBuffer
    ) throws(DomainError) -> CommandResult {
        let consumer = acting.consumer
        // Idempotency first: a retry gets the request it created, even if a rule
        // (an authorisation, the clock) would refuse the same content now.
        var fingerprint: UInt64 = 0
        if let key = request.idempotencyKey {
            let bytes = Array(key.utf8)
            guard (1...ConsentState.maximumIdempotencyKeyLength).contains(bytes.count),
                  bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
            else { throw .idempotencyKeyMalformed(maximum: ConsentState.maximumIdempotencyKeyLength) }
            fingerprint = RequestFingerprint.of(request)
            let lookup = IdempotencyKey(consumer: consumer.value, keyHash: FNV1a.hash(key.utf8))
            if let entry = tables.idempotency[lookup] {
                guard entry.fingerprint == fingerprint else { throw .idempotencyKeyReused(key) }
                let record = tables.records[Int(entry.slot)]
                // The keys are the consumer's; its vendor gets back only what it may handle.
                try requireMandate(acting, for: tables.scopes[record.scope].lazy.map(\.resource))
                return .request(view(of: record, at: now))
            }
        }

        // The quota of open requests (after idempotency: a retry of a request
        // already made is answered, it adds nothing).
        let open = tables.openRequestsByConsumer[consumer.value, default: 0]
        guard open < configuration.maximumOpenRequestsPerConsumer else {
            throw .openRequestsQuota(open, consumer: consumer, retryAfter: configuration.openRequestsRetryAfter)
        }

        // Resources: known, authorised for this consumer, metadata well-formed.
        guard !request.resources.isEmpty else { throw .resourcesMissing() }
        guard request.resources.count <= configuration.maximumResourcesPerRequest else {
            throw .tooManyResources(request.resources.count, maximum: configuration.maximumResourcesPerRequest)
        }
        if let limit = request.usesPerDay, !ResourceRules.usesPerDay.contains(limit) {
            throw .usesPerDayOutOfRange(limit, maximum: ResourceRules.usesPerDay.upperBound)
        }
        var seen = Set<ResourceID>()
        var grants: [ResourceGrant] = []
        var authorisations: [ConsumerAuthorisation] = []
        var kind = ConsentKind.timeLimited
        var latestEnd = Timestamp(millisecondsSinceEpoch: .max)
        var limiting: Resource? = nil
        for item in request.resources {
            guard seen.insert(item.resource).inserted else { throw .resourceRepeated(item.resource) }
            try requireMandate(acting, for: CollectionOfOne(item.resource))
            guard let versions = tables.resources[item.resource], let resource = versions.last else {
                throw .resourceUnknown(item.resource)
            }
            guard let authorisation = tables.authorisations[item.resource]?[consumer.value] else {
                throw .consumerNotAuthorised(consumer, resource: item.resource, owner: resource.ownerName)
            }
            authorisations.append(authorisation)
            let metadata = try MetadataRules.validate(item.metadata, for: resource)
            // Berlin Group's frequencyPerDay: a request may lower a resource's limit, not raise it.
            if let asked = request.usesPerDay, let maximum = resource.usesPerDay, asked > maximum {
                throw .usesPerDayBeyondMaximum(asked, resource: resource.id, maximum: maximum)
            }
            let limit = [request.usesPerDay, resource.usesPerDay].compactMap { $0 }.min()
            grants.append(ResourceGrant(resource: resource.id, version: UInt32(versions.count), metadata: metadata, usesPerDay: limit))
            // A request that includes a one-time resource is a one-time consent:
            // the stricter rule wins, so the user is never surprised by reuse.
            if resource.kind == .oneTime { kind = .oneTime }
            let end = resource.maximumValidity.latestEnd(from: now)
            if end < latestEnd { latestEnd = end; limiting = resource }
        }

        // Redirect: https, on a domain the data source registered for this consumer (seed 004).
        try RedirectURL.check(request.redirectURL, consumer: consumer, authorisations: authorisations)

        // Validity: in the future, within every resource's maximum (NAV: three years).
        guard request.validTo > now else { throw .validToInPast(request.validTo) }
        if let limiting, request.validTo > latestEnd {
            throw .validToBeyondMaximum(request.validTo, resource: limiting.id,
                                        maximum: limiting.maximumValidity, latest: latestEnd)
        }

        // Purpose (DelegationContext): required, at most 1,000 characters.
        let purpose = request.purpose.trimmingASCIIWhitespace()
        guard !purpose.isEmpty else { throw .purposeMissing() }
        guard purpose.limitLength <= ResourceRules.maximumTextLength else {
            throw .purposeTooLong(purpose.limitLength, maximum: ResourceRules.maximumTextLength)
        }

        // The purpose per language (issue 12): each trimmed, 1 to 1,000 when given.
        var purposeTexts = LocalizedText(bokmal: nil)
        for (language, raw) in request.purposeTexts.present {
            let text = raw.trimmingASCIIWhitespace()
            if text.isEmpty { continue }
            guard text.limitLength <= ResourceRules.maximumTextLength else {
                throw .purposeTooLong(text.limitLength, maximum: ResourceRules.maximumTextLength, language: language)
            }
            switch language {
            case .bokmal: purposeTexts.bokmal = text
            case .nynorsk: purposeTexts.nynorsk = text
            case .english: purposeTexts.english = text
            }
        }

        // UserToken: hex SHA-256 of the expected user's id (seed 004), any case.
        var userToken: SHA256Digest? = nil
        if let text = request.userToken {
            guard let bytes = bytes(fromHex: text), let digest = SHA256Digest(bytes: bytes) else {
                throw .userTokenMalformed(length: text.utf8.count)
            }
            if case .person(let person) = request.offeredBy,
               digest != person.userTokenDigest {
                throw .userTokenContradictsOfferedBy()
            }
            userToken = digest
        }

        // requiredDelegator (Altinn 3): who must answer for the organisation asked.
        if request.requiredDelegator != nil {
            guard case .organisation = request.offeredBy else { throw .requiredDelegatorWithoutOrganisation() }
        }

        var id = RequestID(using: &random)
        while tables.slotByID.slot(of: id, in: tables.records) != nil { id = RequestID(using: &random) }
        let answerBy = min(now + configuration.requestLifetime, request.validTo)
        let created = RequestCreated(
            id: id, consumer: consumer, offeredBy: request.offeredBy, grants: grants,
            redirectURL: request.redirectURL, validTo: request.validTo, answerBy: answerBy,
            language: request.language, purpose: purpose, userToken: userToken,
            idempotencyKey: request.idempotencyKey, fingerprint: fingerprint, kind: kind,
            requiredDelegator: request.requiredDelegator, purposeTexts: purposeTexts)
        out.add(.requestCreated(created))
        return .request(RequestView(
            id: id, status: .created, consumer: consumer, offeredBy: request.offeredBy, resources: grants,
            redirectURL: request.redirectURL, purpose: purpose, language: request.language, kind: kind,
            createdAt: now, answerBy: answerBy, validTo: request.validTo, decidedAt: nil, endedAt: nil,
            handledBy: acting.vendor, requiredDelegator: request.requiredDelegator, purposeTexts: purposeTexts,
            template: tables.templatePin(for: grants)))
    }
}

/// A stable hash of a request as the consumer sent it, to tell an honest retry
/// (same key, same content) from a conflicting reuse of an idempotency key.
enum RequestFingerprint {
    static func of(_ request: NewConsentRequest) -> UInt64 {
        var w = ByteWriter()
        w.varint(UInt64(request.resources.count))
        for item in request.resources {
            w.resourceID(item.resource)
            w.varint(UInt64(item.metadata.count))
            for m in item.metadata { w.string(m.key); w.string(m.value) }
        }
        w.varint(request.offeredBy?.key ?? 0)
        w.string(request.redirectURL)
        w.zigzag(request.validTo.millisecondsSinceEpoch)
        w.u8(request.language?.rawValue ?? 0)
        w.string(request.purpose)
        w.string(request.userToken?.lowercased() ?? "")
        // Only when given, so that requests without a limit keep the
        // fingerprints they had before limits existed (their retries still match).
        if let limit = request.usesPerDay { w.u8(1); w.varint(UInt64(limit)) }
        // Likewise, only when given.
        if let delegator = request.requiredDelegator { w.u8(2); w.varint(delegator.value) }
        if !request.purposeTexts.present.isEmpty { w.u8(3); EventCodec.encode(request.purposeTexts, into: &w) }
        return FNV1a.hash(w.bytes)
    }
}
