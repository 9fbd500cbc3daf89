/// One organisation of the development setup: its client certificate's file
/// name, organisation number, name and ConsentHub roles.
public struct DevPrincipal: Sendable, Hashable {
    /// The base name of `NAME.pem` and `NAME.key`.
    public var fileName: String
    /// Nine digits with a valid modulus-11 check digit; the certificate's
    /// subject `serialNumber` and the principal's `id`.
    public var organisationNumber: String
    /// The organisation's name (certificate CN and O, principal `name`).
    public var name: String
    /// Roles: `consumer`, `datasource`, `portal`, `admin`, `vendor`.
    public var roles: [String]

    public init(fileName: String, organisationNumber: String, name: String, roles: [String]) {
        self.fileName = fileName
        self.organisationNumber = organisationNumber
        self.name = name
        self.roles = roles
    }

    /// The demo bank (the consumer of seed 002's screenshots). 910203045 is
    /// a made-up number with a valid check digit, in the range Brønnøysund
    /// uses for test organisations.
    public static let consumer = DevPrincipal(
        fileName: "consumer", organisationNumber: "910203045", name: "BANKEN AS", roles: ["consumer"])
    /// NAV, owner of demo resource 5252_1 (seed 003).
    public static let nav = DevPrincipal(
        fileName: "datasource", organisationNumber: "889640782", name: "ARBEIDS- OG VELFERDSETATEN", roles: ["datasource"])
    /// Skatteetaten, owner of the tax demo resource (seed 002).
    public static let skatteetaten = DevPrincipal(
        fileName: "datasource-skatt", organisationNumber: "974761076", name: "SKATTEETATEN", roles: ["datasource"])
    /// The citizen-facing portal, run for the hub by Brønnøysundregistrene.
    public static let portal = DevPrincipal(
        fileName: "portal", organisationNumber: "974760673", name: "BRØNNØYSUNDREGISTRENE", roles: ["portal"])
    /// The hub's operator: Digitaliseringsdirektoratet (Digdir), which runs Altinn.
    public static let admin = DevPrincipal(
        fileName: "admin", organisationNumber: "991825827", name: "DIGITALISERINGSDIREKTORATET", roles: ["admin"])

    /// A system vendor the demo bank may register to act for it (issue 12,
    /// Altinn 3's `handledBy`). 913456785 is made up, with a valid check digit.
    public static let vendor = DevPrincipal(
        fileName: "vendor", organisationNumber: "913456785", name: "BANKSYSTEMER AS", roles: ["vendor"])

    /// Every development principal, in the order `principals.json` lists them.
    public static let all: [DevPrincipal] = [consumer, nav, skatteetaten, portal, admin, vendor]
}
