/// A role a person holds in an organisation, by its code in the Central
/// Coordinating Register for Legal Entities (Enhetsregisteret), as Altinn
/// uses them for authority: `DAGL` general manager, `LEDE` chair of the
/// board, `SIGN` signing right, `PROK` procuration, `INNH` owner of a sole
/// proprietorship, … The portal states them per organisation
/// (`x-consent-user-org-roles`); a resource may require one of a set
/// (``Resource/organisationAuthority``).
///
/// One spelling: upper case, 2 to 8 letters (A–Z, Æ, Ø, Å) or digits;
/// lower case is accepted and upper-cased.
public struct RoleCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The code, upper case.
    public let code: String

    /// Validates and upper-cases a code.
    /// - Throws: `invalidArgument` `role_code_malformed`.
    public init(validating text: String) throws(DomainError) {
        let upper = text.uppercased()
        let scalars = upper.unicodeScalars
        guard (2...8).contains(scalars.count),
              scalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "Æ" || $0 == "Ø" || $0 == "Å" })
        else { throw .roleCodeMalformed(text) }
        code = upper
    }

    /// A code known to be valid (decoding).
    init(unchecked code: String) { self.code = code }

    public var description: String { code }

    public static func < (lhs: RoleCode, rhs: RoleCode) -> Bool { lhs.code < rhs.code }

    /// The role's name for the consent log, in a language; the code itself for
    /// a role this table does not name.
    public func name(in language: Language) -> String {
        guard let names = Self.names[code] else { return code }
        switch language {
        case .bokmal: return names.0
        case .nynorsk: return names.1
        case .english: return names.2
        }
    }

    /// The roles Altinn's authority checks use most (Enhetsregisteret's role types).
    static let names: [String: (String, String, String)] = [
        "DAGL": ("daglig leder", "dagleg leiar", "general manager"),
        "LEDE": ("styreleder", "styreleiar", "chair of the board"),
        "NEST": ("nestleder", "nestleiar", "deputy chair"),
        "MEDL": ("styremedlem", "styremedlem", "board member"),
        "SIGN": ("signaturrett", "signaturrett", "signing right"),
        "PROK": ("prokura", "prokura", "procuration"),
        "POFE": ("prokura i fellesskap", "prokura i fellesskap", "joint procuration"),
        "POHV": ("prokura hver for seg", "prokura kvar for seg", "several procuration"),
        "INNH": ("innehaver", "innehavar", "owner"),
        "KOMP": ("komplementar", "komplementar", "general partner"),
        "DTPR": ("deltaker med proratarisk ansvar", "deltakar med proratarisk ansvar", "partner with pro rata liability"),
        "DTSO": ("deltaker med solidarisk ansvar", "deltakar med solidarisk ansvar", "partner with joint liability"),
        "BEST": ("bestyrende reder", "bestyrande reiar", "managing owner"),
    ]
}
