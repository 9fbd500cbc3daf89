/// Refusals of resource definitions and consumer authorisations.
extension DomainError {
    static func resourceUnknown(_ id: ResourceID) -> DomainError {
        DomainError(.notFound, reason: "resource_unknown",
                    message: "There is no resource \(id). Check the service code and edition code with the data source.")
    }

    static func textMissingBokmal(_ id: ResourceID, field: String) -> DomainError {
        DomainError(.invalidArgument, reason: "text_missing_bokmal",
                    message: "Resource \(id) has no \(field) in nb-NO; Bokmål is required, since it is shown when another language is missing.")
    }

    static func textTooLong(_ id: ResourceID, field: String, language: Language, count: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "text_too_long",
                    message: "The \(language) \(field) of resource \(id) has \(count) characters; at most \(ResourceRules.maximumTextLength) are allowed.")
    }

    static func textUnknownPlaceholder(_ id: ResourceID, _ name: String, metadataKeys: [String]) -> DomainError {
        let known = Placeholder.allCases.map { "{\($0.rawValue)}" } + metadataKeys.map { "{\($0)}" }
        return DomainError(.invalidArgument, reason: "text_unknown_placeholder",
                           message: "The texts of resource \(id) use the placeholder {\(name.prefix(64))}, which is not known; use one of \(known.joined(separator: ", ")).")
    }

    static func textPlaceholderMalformed(_ id: ResourceID, _ problem: String) -> DomainError {
        DomainError(.invalidArgument, reason: "text_placeholder_malformed",
                    message: "The texts of resource \(id) have \(problem); placeholders are written {Name}, and braces are used for nothing else.")
    }

    static func tooManyMetadataKeys(_ id: ResourceID, _ count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "too_many_metadata_keys",
                    message: "Resource \(id) declares \(count) metadata keys; at most \(maximum) are allowed.")
    }

    static func metadataKeyInvalid(_ id: ResourceID, _ key: String) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_key_invalid",
                    message: "Resource \(id) declares the metadata key '\(key.prefix(64))'; a key starts with a letter and has only letters and digits (at most 64), e.g. fraOgMed.")
    }

    static func metadataKeyReserved(_ id: ResourceID, _ key: String) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_key_reserved",
                    message: "Resource \(id) declares the metadata key '\(key)', which is the name of a placeholder the hub fills in; choose another key.")
    }

    static func metadataKeyDeclaredTwice(_ id: ResourceID, _ key: String) -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_key_declared_twice",
                    message: "Resource \(id) declares the metadata key '\(key)' twice.")
    }

    static func dateRangeInvalid(_ id: ResourceID, _ range: DateRange) -> DomainError {
        DomainError(.invalidArgument, reason: "date_range_invalid",
                    message: "Resource \(id) declares the date range \(range.fromKey.prefix(64))–\(range.toKey.prefix(64)); both keys must be different metadata keys of format date.")
    }

    static func maximumValidityOutOfRange(_ id: ResourceID, _ validity: MaximumValidity) -> DomainError {
        DomainError(.outOfRange, reason: "maximum_validity_out_of_range",
                    message: "Resource \(id) sets a maximum validity of \(validity); it must be between 1 day and 10 years.")
    }

    static func redirectDomainsMissing(_ consumer: OrganisationNumber) -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_domains_missing",
                    message: "The authorisation of consumer \(consumer) names no redirect domain; give at least one (seed 004: \"virksomhetsnummer og retur domene\").")
    }

    static func tooManyRedirectDomains(_ count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "too_many_redirect_domains",
                    message: "An authorisation may name at most \(maximum) redirect domains; \(count) were given.")
    }

    static func redirectDomainInvalid(_ domain: String) -> DomainError {
        DomainError(.invalidArgument, reason: "redirect_domain_invalid",
                    message: "'\(domain.prefix(100))' is not a domain name; give a host such as banken.example, without scheme, port or path.")
    }

    static func nameMissing(field: String, reason: String) -> DomainError {
        DomainError(.invalidArgument, reason: reason, message: "The \(field) is missing; it is shown to users and must not be empty.")
    }

    static func nameTooLong(field: String, reason: String, count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: reason, message: "The \(field) has \(count) characters; at most \(maximum) are allowed.")
    }
}
