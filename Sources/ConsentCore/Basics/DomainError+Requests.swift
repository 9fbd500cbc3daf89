/// A time as messages show it: Oslo time first (what the consumer wrote), then UTC.
func describe(_ t: Timestamp) -> String {
    "\(OsloTime.dateTimeText(t)) Norwegian time (\(t))"
}

/// Refusals of new consent requests.
extension DomainError {
    static func idempotencyKeyMalformed(maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "idempotency_key_malformed",
                    message: "An idempotency key has 1 to \(maximum) printable ASCII characters and no spaces; a UUID works well.")
    }

    static func idempotencyKeyReused(_ key: String) -> DomainError {
        DomainError(.alreadyExists, reason: "idempotency_key_reused",
                    message: "The idempotency key '\(key)' was already used for a request with different content. Use a new key for a new request; resend the same content to get the earlier request back.")
    }

    static func openRequestsQuota(_ open: Int, consumer: OrganisationNumber, retryAfter: Duration) -> DomainError {
        let milliseconds = Int(retryAfter.components.seconds) * 1000 + Int(retryAfter.components.attoseconds / 1_000_000_000_000_000)
        return DomainError(.resourceExhausted, reason: "open_requests_quota",
                           message: "Organisation \(consumer) has \(open) requests waiting for an answer, its quota of open requests. Each place frees up when the user answers or when the request's answer-by passes; try again later.",
                           retryAfterMilliseconds: milliseconds)
    }

    static func resourcesMissing() -> DomainError {
        DomainError(.invalidArgument, reason: "resources_missing",
                    message: "The request names no resource; give at least one (Altinn 2: Resources=5252_1).")
    }

    static func tooManyResources(_ count: Int, maximum: Int) -> DomainError {
        DomainError(.outOfRange, reason: "too_many_resources",
                    message: "The request names \(count) resources; at most \(maximum) are allowed in one request.")
    }

    static func resourceRepeated(_ id: ResourceID) -> DomainError {
        DomainError(.invalidArgument, reason: "resource_repeated",
                    message: "Resource \(id) is named twice in the request; name each resource once.")
    }

    static func consumerNotAuthorised(_ consumer: OrganisationNumber, resource: ResourceID, owner: String) -> DomainError {
        DomainError(.permissionDenied, reason: "consumer_not_authorised",
                    message: "Organisation \(consumer) is not authorised to ask for consent to resource \(resource). The data source (\(owner)) decides who may ask; contact it to be registered.")
    }

    static func metadataKeyUnknown(_ id: ResourceID, _ key: String, known: [String], suggestion: String?) -> DomainError {
        var message = "Resource \(id) has no metadata key '\(key.prefix(64))'"
        if let suggestion { message += "; did you mean '\(suggestion)' (keys are case-sensitive)?" }
        else if known.isEmpty { message += "; it takes no metadata." }
        else { message += "; its keys are \(known.joined(separator: ", "))." }
        return DomainError(.invalidArgument, reason: "metadata_key_unknown", message: message)
    }

    static func metadataKeyRepeated(_ id: ResourceID, _ key: String) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_key_repeated",
                    message: "The metadata key \(id)_\(key) is given twice; give each key once.")
    }

    static func metadataMissing(_ id: ResourceID, _ field: MetadataField) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_missing",
                    message: "Resource \(id) requires the metadata \(field.key), a \(field.format) (Altinn 2 parameter \(id)_\(field.key)).")
    }

    static func metadataMalformed(_ id: ResourceID, _ field: MetadataField, value: String?) -> DomainError {
        let shown = value.map { " '\($0.prefix(20))'" } ?? ""
        let expected: String
        switch field.format {
        case .date: expected = "a real date written dd.mm.yyyy, e.g. 01.01.2020"
        case .year: expected = "a year written yyyy, e.g. 2024"
        case .text: expected = "a text that is not empty"
        }
        return DomainError(.invalidArgument, reason: "metadata_malformed",
                           message: "The value\(shown) of \(id)_\(field.key) is not \(expected).")
    }

    static func metadataTooLong(_ id: ResourceID, _ key: String, count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_too_long",
                    message: "The value of \(id)_\(key) has \(count) characters; at most \(maximum) are allowed.")
    }

    static func metadataRangeReversed(_ id: ResourceID, _ range: DateRange, from: String, to: String) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_range_reversed",
                    message: "\(id)_\(range.fromKey) (\(from)) is after \(id)_\(range.toKey) (\(to)); the period must start on or before its end.")
    }

    static func redirectMissing() -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_missing",
                    message: "RedirectUrl is missing; give the https URL the user returns to after answering.")
    }

    static func redirectTooLong(_ count: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_too_long",
                    message: "RedirectUrl has \(count) bytes; at most 2000 are allowed.")
    }

    static func redirectMalformed(_ problem: String) -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_malformed",
                    message: "RedirectUrl is not usable: \(problem). Give an absolute URL such as https://banken.example/samtykke.")
    }

    static func redirectNotHTTPS(_ scheme: String) -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_not_https",
                    message: "RedirectUrl uses '\(scheme.prefix(20))'; it must use https, since the redirect carries the authorization code.")
    }

    static func redirectHasFragment() -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_has_fragment",
                    message: "RedirectUrl has a fragment (#…); remove it, since the hub appends query parameters.")
    }

    static func redirectHostNotRegistered(_ host: String, consumer: OrganisationNumber, resource: ResourceID, domains: [String]) -> DomainError {
        DomainError(.permissionDenied, reason: "redirect_host_not_registered",
                    message: "RedirectUrl's host \(host) is not a domain registered for organisation \(consumer) on resource \(resource) (registered: \(domains.joined(separator: ", "))). Use one of them or a subdomain, or ask the data source to register the domain.")
    }

    static func validToInPast(_ validTo: Timestamp) -> DomainError {
        DomainError(.outOfRange, reason: "valid_to_in_past",
                    message: "The consent's end (ValidToDate) \(describe(validTo)) is not in the future.")
    }

    static func validToBeyondMaximum(_ validTo: Timestamp, resource: ResourceID, maximum: MaximumValidity, latest: Timestamp) -> DomainError {
        DomainError(.outOfRange, reason: "valid_to_beyond_maximum",
                    message: "The consent's end (ValidToDate) \(describe(validTo)) is too far ahead: resource \(resource) allows at most \(maximum), so the latest end is \(describe(latest)).")
    }

    static func purposeMissing() -> DomainError {
        DomainError(.invalidArgument, reason: "purpose_missing",
                    message: "The purpose (DelegationContext) is missing; tell the user what the data will be used for.")
    }

    /// - Parameter language: for the purpose in one language (issue 12), which.
    static func purposeTooLong(_ count: Int, maximum: Int, language: Language? = nil) -> DomainError {
        DomainError(.invalidArgument, reason: "purpose_too_long",
                    message: language.map { "The purpose in \($0.code) has \(count) characters; at most \(maximum) are allowed." }
                        ?? "The purpose (DelegationContext) has \(count) characters; at most \(maximum) are allowed.")
    }

    static func userTokenMalformed(length: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "user_token_malformed",
                    message: "UserToken must be the SHA-256 of the user's 11-digit national id as 64 hex digits; the value given has \(length) characters or is not hex.")
    }

    static func userTokenContradictsOfferedBy() -> DomainError {
        DomainError(.invalidArgument, reason: "user_token_contradicts_offered_by",
                    message: "UserToken is not the SHA-256 of the national id in OfferedBy; the request would name two different people.")
    }
}
