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
    /// Reads the text's UTF-8 in place, through one non-generic loop: it runs
    /// once per logged use (a `LogUses` call carries up to thousands), where
    /// copying and splitting the string cost more than the rest of the use's
    /// validation.
    /// - Throws: `invalidArgument` with reason `resource_id_malformed`.
    public init(validating text: some StringProtocol) throws(DomainError) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { ResourceID.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { ResourceID.parse($0) }
        guard let parsed else { throw .resourceIDMalformed(String(text)) }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ResourceID? {
        guard let underscore = bytes.firstIndex(of: UInt8(ascii: "_")),
              let service = number(bytes[..<underscore]),
              let edition = number(bytes[(underscore + 1)...])
        else { return nil }
        return ResourceID(serviceCode: service, editionCode: edition)
    }

    /// One code: 1–9 ASCII digits (so it fits a UInt32), no leading zero.
    static func number(_ bytes: some Collection<UInt8>) -> UInt32? {
        guard let first = bytes.first, !(first == UInt8(ascii: "0") && bytes.count > 1) else { return nil }
        var value: UInt32 = 0
        var digits = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 9 else { return nil }
            value = value * 10 + UInt32(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return value
    }

    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool {
        (lhs.serviceCode, lhs.editionCode) < (rhs.serviceCode, rhs.editionCode)
    }

    /// `5252_1`.
    public var description: String { "\(serviceCode)_\(editionCode)" }
}
