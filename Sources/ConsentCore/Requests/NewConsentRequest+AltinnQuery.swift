extension NewConsentRequest {
    /// The parameter names of seed 004's table ("Samtykke URL parametere").
    public static let altinnParameters = [
        "Resources", "CoveredBy", "OfferedBy", "RedirectUrl", "ValidToDate",
        "LanguageCode", "DelegationContext", "ResponseType", "UserToken",
    ]

    /// Parses an Altinn-2 consent query string (seed 004), e.g.
    /// `Resources=4629_2.4630_1&CoveredBy=…&RedirectUrl=…&ValidToDate=2025-10-30 10:30:00&DelegationContext=…&ResponseType=code&5252_1_fraOgMed=01.01.2020`.
    ///
    /// - Percent-escapes are decoded and `+` is a space; a leading `?` (or a
    ///   whole URL up to its `?`) is ignored.
    /// - Parameter names are matched ignoring case, as Altinn 2 (ASP.NET) does;
    ///   metadata keys (`5252_1_fraOgMed`) keep their case.
    /// - `ValidToDate` is `YYYY-MM-DD hh:mm:ss` in Norwegian local time (Europe/Oslo).
    /// - Every parameter must be known: a typo must not silently drop a value.
    ///
    /// Only the syntax is checked here; the rules (resources, metadata formats,
    /// redirect domain, validity) are checked when the request is decided, the
    /// same as for a structured request.
    /// - Parameters:
    ///   - query: the query string.
    ///   - caller: the calling consumer; `CoveredBy` must be this organisation.
    ///   - idempotencyKey: the caller's idempotency key, if any.
    /// - Throws: as ``parse(altinnQuery:idempotencyKey:)``, and `permissionDenied`
    ///   `covered_by_not_caller`.
    public init(altinnQuery query: String, coveredBy caller: OrganisationNumber, idempotencyKey: String? = nil) throws(DomainError) {
        let (coveredBy, request) = try NewConsentRequest.parse(altinnQuery: query, idempotencyKey: idempotencyKey)
        try NewConsentRequest.requireCoveredBy(coveredBy, isCaller: caller)
        self = request
    }

    /// A consumer can only ask for consent for itself: `CoveredBy` must be the
    /// organisation of the calling consumer's certificate.
    /// - Throws: `permissionDenied` `covered_by_not_caller`.
    public static func requireCoveredBy(_ coveredBy: OrganisationNumber, isCaller caller: OrganisationNumber) throws(DomainError) {
        guard coveredBy == caller else { throw .coveredByNotCaller(coveredBy, caller: caller) }
    }

    /// Parses an Altinn-2 consent query string (see ``init(altinnQuery:coveredBy:idempotencyKey:)``)
    /// without deciding whose request it may be.
    /// - Returns: `CoveredBy` (the consumer the query names) and the request.
    /// - Throws: `invalidArgument` (`query_parameter_unknown`, `query_parameter_repeated`,
    ///   `query_parameter_missing`, `query_percent_encoding`, `valid_to_date_malformed`,
    ///   `response_type_not_code`, `metadata_for_unlisted_resource`, and the
    ///   identifiers' own reasons).
    public static func parse(altinnQuery query: String, idempotencyKey: String? = nil) throws(DomainError)
        -> (coveredBy: OrganisationNumber, request: NewConsentRequest) {
        var text = Substring(query)
        // A whole URL may be given: drop its part before the query. Only a `?`
        // with no `=` or `&` before it starts the query; later ones are legal,
        // unescaped, inside values (`RedirectUrl=https://b.example/cb?ref=42`),
        // and cutting there silently dropped the parameters before them.
        if let mark = text.firstIndex(of: "?"), !text[..<mark].contains(where: { $0 == "=" || $0 == "&" }) {
            text = text[text.index(after: mark)...]
        }

        var fixed: [String: String] = [:]          // lowercased name → value
        var metadata: [(resource: ResourceID, key: String, parameter: String, value: String)] = []
        var seenMetadata = Set<String>()
        let known = Dictionary(uniqueKeysWithValues: NewConsentRequest.altinnParameters.map { ($0.lowercased(), $0) })

        for segment in text.split(separator: "&", omittingEmptySubsequences: true) {
            let equals = segment.firstIndex(of: "=")
            let rawName = equals.map { segment[..<$0] } ?? segment
            let rawValue = equals.map { segment[segment.index(after: $0)...] } ?? ""
            let name: String, value: String
            do throws(PercentEncoding.Failure) {
                name = try PercentEncoding.decode(rawName)
            } catch {
                throw .queryEncoding(String(rawName.prefix(40)), error)
            }
            do throws(PercentEncoding.Failure) {
                value = try PercentEncoding.decode(rawValue)
            } catch {
                throw .queryEncoding(name, error)
            }
            if let canonical = known[name.lowercased()] {
                guard fixed[name.lowercased()] == nil else { throw .queryParameterRepeated(canonical) }
                fixed[name.lowercased()] = value
            } else if let (resource, key) = NewConsentRequest.metadataParameter(name) {
                guard seenMetadata.insert(name).inserted else { throw .queryParameterRepeated(name) }
                metadata.append((resource, key, name, value))
            } else {
                throw .queryParameterUnknown(name, suggestion: NewConsentRequest.suggestion(for: name))
            }
        }

        func required(_ name: String) throws(DomainError) -> String {
            guard let v = fixed[name.lowercased()], !v.isEmpty else { throw .queryParameterMissing(name) }
            return v
        }
        func optional(_ name: String) -> String? {
            guard let v = fixed[name.lowercased()], !v.isEmpty else { return nil }
            return v
        }

        // CoveredBy is the consumer; whether the caller may submit for it is decided with the state.
        let coveredBy = try OrganisationNumber(validating: required("CoveredBy"))

        let responseType = try required("ResponseType")
        guard responseType == "code" else { throw .responseTypeNotCode(responseType) }

        var resources: [ResourceRequest] = []
        for part in try required("Resources").split(separator: ".", omittingEmptySubsequences: false) {
            resources.append(ResourceRequest(try ResourceID(validating: part)))
        }
        for m in metadata {
            guard let i = resources.firstIndex(where: { $0.resource == m.resource }) else {
                throw .metadataForUnlistedResource(m.parameter, resource: m.resource)
            }
            resources[i].metadata.append(MetadataValue(m.key, m.value))
        }

        let validToText = try required("ValidToDate")
        guard let local = CivilTime(localDateTime: validToText) else { throw .validToDateMalformed(validToText) }

        let request = NewConsentRequest(
            resources: resources,
            offeredBy: try optional("OfferedBy").map { (text) throws(DomainError) in try PartyID(validating: text) },
            redirectURL: try required("RedirectUrl"),
            validTo: OsloTime.instant(of: local),
            language: try optional("LanguageCode").map { (text) throws(DomainError) in try Language(validating: text) },
            purpose: try required("DelegationContext"),
            userToken: optional("UserToken"),
            idempotencyKey: idempotencyKey)
        return (coveredBy, request)
    }

    /// The request as the portal may submit it while `user` is logged in: it
    /// can only ask that person, or an organisation they may sign for.
    /// Otherwise anyone logged in could put a request, with a purpose of their
    /// choosing, in another person's list, or create an open request and send
    /// its link to someone else, leaving the consumer with a consent it never
    /// asked for. Without `OfferedBy` the request asks the user; a `UserToken`
    /// must be the user's.
    /// - Throws: `permissionDenied` `offered_by_mismatch` (another person, or an
    ///   organisation the user may not sign for); `unauthenticated`
    ///   `user_token_mismatch` (the token is another person's).
    func bound(to user: EndUser) throws(DomainError) -> NewConsentRequest {
        var bound = self
        if let party = offeredBy {
            guard user.mayActFor(party) else { throw .offeredByMismatch(party) }
        } else {
            bound.offeredBy = .person(user.nationalId)
        }
        if let text = userToken, let bytes = bytes(fromHex: text), let digest = SHA256Digest(bytes: bytes),
           digest != user.nationalId.userTokenDigest {
            throw .userTokenMismatch()
        }
        return bound
    }

    /// `5252_1_fraOgMed` → (5252_1, "fraOgMed").
    static func metadataParameter(_ name: String) -> (ResourceID, String)? {
        let parts = name.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty,
              let service = ResourceID.number(parts[0].utf8), let edition = ResourceID.number(parts[1].utf8)
        else { return nil }
        return (ResourceID(serviceCode: service, editionCode: edition), String(parts[2]))
    }

    /// The known parameter closest to a misspelt one: edit distance at most 3,
    /// or a shortened or lengthened name (`ValidTo` for `ValidToDate`).
    static func suggestion(for name: String) -> String? {
        let lower = Array(name.lowercased())
        var best: (String, Int)? = nil
        for candidate in altinnParameters {
            let c = Array(candidate.lowercased())
            let shorter = min(lower.count, c.count)
            if shorter >= 4, lower.prefix(shorter) == c.prefix(shorter) { return candidate }
            let d = editDistance(lower, c)
            if d <= 3, d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Refusals of Altinn-2 query strings.
extension DomainError {
    static func queryEncoding(_ name: String, _ failure: PercentEncoding.Failure) -> DomainError {
        switch failure {
        case .badEscape:
            return DomainError(.invalidArgument, reason: "query_percent_encoding",
                               message: "Query parameter \(name) has a '%' not followed by two hex digits; percent-encode the value (a '%' itself is %25).")
        case .notUTF8:
            return DomainError(.invalidArgument, reason: "query_percent_encoding",
                               message: "Query parameter \(name) does not decode to UTF-8 text; percent-encode the UTF-8 bytes of the value.")
        }
    }

    static func queryParameterUnknown(_ name: String, suggestion: String?) -> DomainError {
        var message = "Unknown query parameter '\(name.prefix(64))'"
        if let suggestion { message += "; did you mean \(suggestion)?" } else {
            message += "; the parameters are \(NewConsentRequest.altinnParameters.joined(separator: ", ")) and <resource>_<metadata key> such as 5252_1_fraOgMed."
        }
        return DomainError(.invalidArgument, reason: "query_parameter_unknown", message: message)
    }

    static func queryParameterRepeated(_ name: String) -> DomainError {
        DomainError(.invalidArgument, reason: "query_parameter_repeated",
                    message: "Query parameter \(name.prefix(64)) is given more than once; give it once.")
    }

    static func queryParameterMissing(_ name: String) -> DomainError {
        DomainError(.invalidArgument, reason: "query_parameter_missing",
                    message: "Query parameter \(name) is required (seed 004: \"Obligatorisk\") and is missing or empty.")
    }

    static func coveredByNotCaller(_ coveredBy: OrganisationNumber, caller: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "covered_by_not_caller",
                    message: "CoveredBy is \(coveredBy), but the caller acts for organisation \(caller); a consumer (or its vendor) can only ask for consent for that consumer.")
    }

    static func responseTypeNotCode(_ value: String) -> DomainError {
        DomainError(.invalidArgument, reason: "response_type_not_code",
                    message: "ResponseType is '\(value.prefix(20))'; it must be 'code' (an authorization code is returned and exchanged for a token).")
    }

    static func validToDateMalformed(_ value: String) -> DomainError {
        DomainError(.invalidArgument, reason: "valid_to_date_malformed",
                    message: "ValidToDate '\(value.prefix(30))' is not a date and time written YYYY-MM-DD hh:mm:ss (Norwegian time), e.g. 2025-10-30 10:30:00.")
    }

    static func metadataForUnlistedResource(_ parameter: String, resource: ResourceID) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_for_unlisted_resource",
                    message: "Query parameter \(parameter.prefix(64)) gives metadata for resource \(resource), which is not listed in Resources.")
    }
}
