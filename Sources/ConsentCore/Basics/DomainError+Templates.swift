/// Refusals of consent templates (issue 12, point 4: the data source's own words).
extension DomainError {
    static func templateIDInvalid(_ id: String) -> DomainError {
        DomainError(.invalidArgument, reason: "template_id_invalid",
                    message: "'\(id.prefix(64))' is not a template id; an id is a lower-case letter, then lower-case letters, digits and '-' (at most 64), e.g. nav-fullmakt.")
    }

    static func templateTextMissingBokmal(_ id: String, field: String) -> DomainError {
        DomainError(.invalidArgument, reason: "template_text_missing_bokmal",
                    message: "Template \(id) has no \(field) in nb-NO; the heading and intro are required in Bokmål, and any text given in another language needs its Bokmål, shown when a language is missing.")
    }

    static func templateTextMissingValidTo(_ id: String, field: String, language: Language) -> DomainError {
        DomainError(.invalidArgument, reason: "template_text_missing_valid_to",
                    message: "The \(language) \(field) of template \(id) does not say {ValidTo}; an expiry or log text replaces the hub's sentence saying when the consent ends, so it must say it too.")
    }

    static func templateTextTooLong(_ id: String, field: String, language: Language, count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "template_text_too_long",
                    message: "The \(language) \(field) of template \(id) has \(count) characters; at most \(maximum) are allowed.")
    }

    static func templateUnknownPlaceholder(_ id: String, _ name: String) -> DomainError {
        let known = Placeholder.allCases.map { "{\($0.rawValue)}" }
        return DomainError(.invalidArgument, reason: "template_unknown_placeholder",
                           message: "The texts of template \(id) use the placeholder {\(name.prefix(64))}, which is not known; a template serves many resources, so only the hub's placeholders are allowed: \(known.joined(separator: ", ")).")
    }

    static func templatePlaceholderMalformed(_ id: String, _ problem: String) -> DomainError {
        DomainError(.invalidArgument, reason: "text_placeholder_malformed",
                    message: "The texts of template \(id) have \(problem); placeholders are written {Name}, and braces are used for nothing else.")
    }

    static func tooManyTemplates(_ owner: OrganisationNumber, maximum: Int) -> DomainError {
        DomainError(.outOfRange, reason: "too_many_templates",
                    message: "Data source \(owner) already has \(maximum) templates, the most allowed; change an existing one instead.")
    }

    static func tooManyTemplateVersions(_ id: String, maximum: Int) -> DomainError {
        DomainError(.outOfRange, reason: "too_many_template_versions",
                    message: "Template \(id) already has \(maximum) versions, the most allowed (each is kept for the requests created under it); register a template with a new id.")
    }

    static func templateOwnedByOther(_ id: String, owner: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "template_owned_by_other",
                    message: "Template \(id) is owned by organisation \(owner); only its owner can change it. Choose another template id.")
    }

    static func templateUnknown(_ id: String, owner: OrganisationNumber) -> DomainError {
        DomainError(.notFound, reason: "template_unknown",
                    message: "Data source \(owner) has no template \(id.prefix(64)); register it (RegisterTemplate) before a resource names it.")
    }
}

extension DomainError {
    static func templatesNotOwn(_ org: OrganisationNumber, owner: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "template_not_own",
                    message: "Organisation \(org) may not list the templates of organisation \(owner); a data source lists its own (leave the owner empty).")
    }

    static func templateNotOwn(_ org: OrganisationNumber, owner: OrganisationNumber, id: String) -> DomainError {
        DomainError(.permissionDenied, reason: "template_not_own",
                    message: "Organisation \(org) may not register template \(id.prefix(64)) for organisation \(owner); a data source registers its own templates (leave the owner empty).")
    }
}
