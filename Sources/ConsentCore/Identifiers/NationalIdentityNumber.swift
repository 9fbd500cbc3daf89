/// A Norwegian national identity number: a fødselsnummer, a D-number (day + 40)
/// or a synthetic test number (month + 40 or + 80, used by NAV and Tenor).
///
/// Eleven digits: `ddmmyy`, a three-digit individual number and two mod-11
/// check digits (weights 3, 7, 6, 1, 8, 9, 4, 5, 2 and 5, 4, 3, 2, 7, 6, 5, 4, 3, 2);
/// a remainder that would give check digit 10 makes the number invalid.
///
/// Stored as a `UInt64`. Its ``description`` is masked so that an id never
/// reaches a log by accident; use ``digits`` where the number itself is needed.
public struct NationalIdentityNumber: Hashable, Sendable, CustomStringConvertible {
    /// The number as an integer (leading zeros dropped).
    public let value: UInt64

    /// Creates a national identity number from its eleven-digit text.
    /// - Throws: `invalidArgument` with reason `national_id_length`,
    ///   `national_id_not_digits`, `national_id_date` or `national_id_check_digit`.
    ///   The message never repeats the number.
    public init(validating text: some StringProtocol) throws(DomainError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 11 else { throw .nationalIdLength(utf8.count) }
        var digits = [UInt8](repeating: 0, count: 11)
        for (i, byte) in utf8.enumerated() {
            guard byte >= 0x30, byte <= 0x39 else { throw .nationalIdNotDigits() }
            digits[i] = byte - 0x30
        }
        try NationalIdentityNumber.check(digits)
        self.value = digits.reduce(0) { $0 * 10 + UInt64($1) }
    }

    /// Creates a national identity number from its integer value.
    /// - Throws: as ``init(validating:)-(StringProtocol)``.
    public init(validating value: UInt64) throws(DomainError) {
        guard value <= 99_999_999_999 else { throw .nationalIdLength(String(value).count) }
        try self.init(validating: NationalIdentityNumber.digitsText(value))
    }

    /// Creates a number known to be valid (from the trusted event log).
    init(unchecked value: UInt64) {
        self.value = value
    }

    /// The two check digits for the first nine digits, or `nil` if either would be 10.
    public static func checkDigits(forFirstNine nine: [UInt8]) -> (UInt8, UInt8)? {
        precondition(nine.count == 9, "nine digits expected")
        let w1: [Int] = [3, 7, 6, 1, 8, 9, 4, 5, 2]
        let w2: [Int] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        var sum = 0
        for i in 0..<9 { sum += Int(nine[i]) * w1[i] }
        let k1 = (11 - sum % 11) % 11
        if k1 == 10 { return nil }
        sum = 0
        for i in 0..<9 { sum += Int(nine[i]) * w2[i] }
        sum += k1 * w2[9]
        let k2 = (11 - sum % 11) % 11
        if k2 == 10 { return nil }
        return (UInt8(k1), UInt8(k2))
    }

    static func check(_ digits: [UInt8]) throws(DomainError) {
        // Date part: plausible, allowing D-numbers (day + 40) and synthetic test
        // numbers (month + 40 or + 80). Day-per-month is not checked: the century
        // is not encoded reliably enough to know about 29 February.
        var day = Int(digits[0]) * 10 + Int(digits[1])
        var month = Int(digits[2]) * 10 + Int(digits[3])
        if day > 40 { day -= 40 }
        if month > 80 { month -= 80 } else if month > 40 { month -= 40 }
        guard (1...31).contains(day), (1...12).contains(month) else { throw .nationalIdDate() }
        guard let (k1, k2) = checkDigits(forFirstNine: Array(digits[0..<9])),
              k1 == digits[9], k2 == digits[10]
        else { throw .nationalIdCheckDigit() }
    }

    static func digitsText(_ value: UInt64) -> String {
        let s = String(value)
        return s.count >= 11 ? s : String(repeating: "0", count: 11 - s.count) + s
    }

    /// The eleven digits, e.g. `01019012480`. Handle with care: personal data.
    public var digits: String { NationalIdentityNumber.digitsText(value) }

    /// Whether this is a D-number (day + 40), given to people without a fødselsnummer.
    public var isDNumber: Bool { value / 1_000_000_000 >= 40 }

    /// Whether this is a synthetic test number (month + 40 or + 80).
    public var isSynthetic: Bool { (value / 10_000_000) % 100 > 40 }

    /// A masked form safe for logs: the birth date part only, e.g. `010190*****`.
    public var description: String { String(digits.prefix(6)) + "*****" }

    /// The `UserToken` of seed 004: lowercase hex SHA-256 of the eleven digits.
    public var userToken: String { hex(userTokenBytes) }

    /// The `UserToken` as a digest, as requests store it.
    public var userTokenDigest: SHA256Digest { SHA256Digest(unchecked: userTokenBytes[...]) }

    /// The one place the UserToken is computed.
    private var userTokenBytes: [UInt8] { SHA256.hash(Array(digits.utf8)) }
}
