/// Who gave a consent (the token's `from`): a person or an organisation,
/// written as Altinn 3's party URNs.
public enum ConsentParty: Hashable, Sendable {
    /// A person, by their 11-digit national identity number (fødselsnummer or D-number).
    case person(identifier: String)
    /// An organisation, by its 9-digit organisation number.
    case organisation(identifier: String)

    static let personPrefix = "urn:altinn:person:identifier-no:"
    static let organisationPrefix = "urn:altinn:organization:identifier-no:"

    /// `urn:altinn:person:identifier-no:<11 digits>` or
    /// `urn:altinn:organization:identifier-no:<9 digits>`.
    public var urn: String {
        switch self {
        case .person(let identifier): Self.personPrefix + identifier
        case .organisation(let identifier): Self.organisationPrefix + identifier
        }
    }

    /// Parses a party URN.
    /// - Returns: nil unless the URN has one of the two prefixes followed by
    ///   exactly 11 (person) or 9 (organisation) digits.
    public init?(urn: String) {
        if urn.hasPrefix(Self.personPrefix) {
            let identifier = String(urn.dropFirst(Self.personPrefix.count))
            guard Self.isDigits(identifier, count: 11) else { return nil }
            self = .person(identifier: identifier)
        } else if urn.hasPrefix(Self.organisationPrefix) {
            let identifier = String(urn.dropFirst(Self.organisationPrefix.count))
            guard Self.isDigits(identifier, count: 9) else { return nil }
            self = .organisation(identifier: identifier)
        } else {
            return nil
        }
    }

    /// Whether the identifier has the right number of digits for its kind.
    var isWellFormed: Bool {
        switch self {
        case .person(let identifier): Self.isDigits(identifier, count: 11)
        case .organisation(let identifier): Self.isDigits(identifier, count: 9)
        }
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        guard text.utf8.count == count else { return false }
        var text = text
        return text.withUTF8 { utf8 in
            for byte in utf8 where byte < 48 || byte > 57 { return false }
            return true
        }
    }
}
