/// The id of a consent resource (samtykketjeneste): Altinn 2's service code and
/// service edition code joined by an underscore, e.g. `5252_1` (seed 004).
///
/// Stored as two integers, eight bytes, so a consent needs no string per resource.
public struct ResourceID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The service code (tjenestekode), e.g. 5252.
    public let serviceCode: UInt32
    /// The service edition code (tjenesteutgavekode), e.g. 1.
    public let editionCode: UInt32

    /// Creates a resource id from its parts.
    public init(serviceCode: UInt32, editionCode: UInt32) {
        self.serviceCode = serviceCode
        self.editionCode = editionCode
    }

    /// Parses `<serviceCode>_<editionCode>`: digits, no sign, no leading zero.
    /// - Throws: `invalidArgument` with reason `resource_id_malformed`.
    public init(validating text: some StringProtocol) throws(DomainError) {
        let string = String(text)
        let parts = string.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let service = ResourceID.number(parts[0]),
              let edition = ResourceID.number(parts[1])
        else { throw .resourceIDMalformed(string) }
        self.init(serviceCode: service, editionCode: edition)
    }

    static func number(_ text: Substring) -> UInt32? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 9, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if bytes.count > 1, bytes[0] == 0x30 { return nil }
        return bytes.reduce(0) { $0 * 10 + UInt32($1 - 0x30) }
    }

    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool {
        (lhs.serviceCode, lhs.editionCode) < (rhs.serviceCode, rhs.editionCode)
    }

    /// `5252_1`.
    public var description: String { "\(serviceCode)_\(editionCode)" }
}
