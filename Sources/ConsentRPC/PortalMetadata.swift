/// Call metadata by which the `portal` role states who the logged-in end user
/// is (DESIGN §6). Only calls from a principal with the `portal` role are
/// believed; the hub ignores these keys from anyone else.
public enum PortalMetadata {
    /// The end user's 11-digit national identity number (fødselsnummer or D-number).
    public static let userID = "x-consent-user-id"
    /// The ID-porten assurance level the user logged in with: "3" or "4" (NAV requires 4).
    public static let assuranceLevel = "x-consent-assurance-level"
    /// The user's name as the portal shows it, for the consent log ("… fikk samtykke fra HÅKON TRANA").
    public static let userName = "x-consent-user-name"
    /// Organisation numbers the user may sign for, comma-separated, as the portal
    /// has established them (for OfferedBy an organisation).
    public static let signsFor = "x-consent-user-signs-for"
    /// The roles the user holds in organisations they may act for, as
    /// Enhetsregisteret's role codes: `910000001=DAGL,SIGN;912345678=LEDE`
    /// (what a resource's organisation authority is checked against).
    public static let organisationRoles = "x-consent-user-org-roles"
    /// The most organisations, and roles per organisation, in `organisationRoles`.
    public static let maximumRoleOrganisations = 50
    public static let maximumRolesPerOrganisation = 20

    /// Every key that says who the user is: each may be given at most once
    /// (a repeated key is refused, never resolved by taking the first).
    public static let identityKeys = [userID, assuranceLevel, userName, signsFor, organisationRoles]
}
