/// Refusals of the organisation authority rules (issue 12, point 3): who may
/// answer for an organisation, and by which role.
extension DomainError {
    static func roleCodeMalformed(_ text: String) -> DomainError {
        DomainError(.invalidArgument, reason: "role_code_malformed",
                    message: "'\(text.prefix(20))' is not a role code: 2 to 8 letters or digits, as Enhetsregisteret spells them (DAGL, LEDE, SIGN, PROK, …).")
    }

    static func tooManyAuthorityRoles(_ id: ResourceID, _ count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "too_many_authority_roles",
                    message: "Resource \(id) names \(count) roles in organisationAuthority; at most \(maximum).")
    }

    static func authorityRoleRepeated(_ id: ResourceID, _ roles: [RoleCode]) -> DomainError {
        var seen = Set<RoleCode>()
        let repeated = roles.first { !seen.insert($0).inserted }.map(\.code) ?? ""
        return DomainError(.invalidArgument, reason: "authority_role_repeated",
                           message: "Resource \(id) names the role \(repeated) twice in organisationAuthority.")
    }

    static func tooManyActions(_ id: ResourceID, _ count: Int, maximum: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "too_many_actions",
                    message: "Resource \(id) names \(count) actions; at most \(maximum).")
    }

    static func actionMalformed(_ id: ResourceID, _ action: String) -> DomainError {
        DomainError(.invalidArgument, reason: "action_malformed",
                    message: "Resource \(id): '\(action.prefix(40))' is not an action: a lower-case letter, then lower-case letters, digits and '-', at most 32 (and not 'consent', which every right has).")
    }

    static func actionRepeated(_ id: ResourceID, _ action: String) -> DomainError {
        DomainError(.invalidArgument, reason: "action_repeated", message: "Resource \(id) names the action \(action) twice.")
    }

    static func requiredDelegatorWithoutOrganisation() -> DomainError {
        DomainError(.invalidArgument, reason: "required_delegator_without_organisation",
                    message: "requiredDelegator names who must answer for an organisation: give OfferedBy as that organisation's number (for a person's own consent, OfferedBy is already the only one who may answer).")
    }

    static func requiredDelegatorMismatch(_ id: RequestID) -> DomainError {
        DomainError(.permissionDenied, reason: "required_delegator_mismatch",
                    message: "Request \(id) must be answered by the one person its consumer named (requiredDelegator), not by the logged-in user, even though they may sign for the organisation.")
    }

    static func organisationAuthorityMissing(_ org: OrganisationNumber, resource: ResourceID, accepted: [RoleCode]) -> DomainError {
        DomainError(.permissionDenied, reason: "organisation_authority_missing",
                    message: "To consent to resource \(resource) for organisation \(org), the logged-in user must hold one of the roles \(accepted.map(\.code).joined(separator: ", ")) in it; the portal states none of them.")
    }
}
