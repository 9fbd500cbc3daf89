/// The party a consent is about and offered by (Altinn's `OfferedBy`):
/// a person or an organisation.
public enum PartyID: Hashable, Sendable, CustomStringConvertible {
    /// A person, by national identity number.
    case person(NationalIdentityNumber)
    /// An organisation, by organisation number.
    case organisation(OrganisationNumber)

    /// Parses an eleven-digit national id or a nine-digit organisation number.
    /// - Throws: `invalidArgument` with reason `party_id_length`, or the reason of
    ///   the identifier's own validation.
    public init(validating text: some StringProtocol) throws(DomainError) {
        switch text.utf8.count {
        case 11: self = .person(try NationalIdentityNumber(validating: text))
        case 9: self = .organisation(try OrganisationNumber(validating: text))
        default: throw .partyIDLength(text.utf8.count)
        }
    }

    /// A compact key: the national id, or the org number with the top bit set; never 0.
    var key: UInt64 {
        switch self {
        case .person(let id): return id.value
        case .organisation(let org): return UInt64(org.value) | (1 << 63)
        }
    }

    /// The party for a compact key, or `nil` for the key 0 ("none").
    init?(key: UInt64) {
        if key == 0 { return nil }
        if key & (1 << 63) != 0 {
            self = .organisation(OrganisationNumber(unchecked: UInt32(truncatingIfNeeded: key & ~(1 << 63))))
        } else {
            self = .person(NationalIdentityNumber(unchecked: key))
        }
    }

    /// Masked for persons (see ``NationalIdentityNumber/description``), plain for organisations.
    public var description: String {
        switch self {
        case .person(let id): return "person:\(id)"
        case .organisation(let org): return "organisation:\(org)"
        }
    }
}
