/// A Norwegian organisation number (organisasjonsnummer): nine digits, the last
/// a mod-11 check digit with weights 3, 2, 7, 6, 5, 4, 3, 2.
///
/// Stored as a `UInt32` so that a consent costs four bytes per organisation it names.
public struct OrganisationNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number as an integer (at most 999 999 999).
    public let value: UInt32

    /// Creates an organisation number from its nine-digit text.
    /// - Throws: `invalidArgument` with reason `organisation_number_length`,
    ///   `organisation_number_not_digits` or `organisation_number_check_digit`.
    public init(validating text: some StringProtocol) throws(DomainError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 9 else { throw .organisationNumberLength(utf8.count) }
        var value: UInt32 = 0
        for byte in utf8 {
            guard byte >= 0x30, byte <= 0x39 else { throw .organisationNumberNotDigits() }
            value = value * 10 + UInt32(byte - 0x30)
        }
        try self.init(validating: value)
    }

    /// Creates an organisation number from its integer value.
    /// - Throws: `invalidArgument` (`organisation_number_length` above 999 999 999,
    ///   `organisation_number_check_digit` when the last digit is wrong).
    public init(validating value: UInt32) throws(DomainError) {
        guard value <= 999_999_999 else { throw .organisationNumberLength(String(value).count) }
        guard let check = OrganisationNumber.checkDigit(forFirstEightDigits: value / 10),
              check == UInt8(value % 10)
        else { throw .organisationNumberCheckDigit(pad(Int(value), 9)) }
        self.value = value
    }

    /// Creates an organisation number known to be valid (from the trusted event log).
    init(unchecked value: UInt32) {
        self.value = value
    }

    /// The mod-11 check digit for the first eight digits, or `nil` when the
    /// remainder gives 10 (no organisation number has those eight digits).
    public static func checkDigit(forFirstEightDigits prefix: UInt32) -> UInt8? {
        let weights: [UInt32] = [3, 2, 7, 6, 5, 4, 3, 2]
        var rest = prefix
        var sum: UInt32 = 0
        for i in stride(from: 7, through: 0, by: -1) {
            sum += (rest % 10) * weights[i]
            rest /= 10
        }
        let digit = (11 - sum % 11) % 11
        return digit == 10 ? nil : UInt8(digit)
    }

    public static func < (lhs: OrganisationNumber, rhs: OrganisationNumber) -> Bool {
        lhs.value < rhs.value
    }

    /// The nine digits, e.g. `974760673`.
    public var description: String { pad(Int(value), 9) }

    /// The nine digits in groups of three, as printed on Norwegian documents: `974 760 673`.
    public var grouped: String {
        let d = description
        let a = d.prefix(3), b = d.dropFirst(3).prefix(3), c = d.suffix(3)
        return "\(a) \(b) \(c)"
    }
}
