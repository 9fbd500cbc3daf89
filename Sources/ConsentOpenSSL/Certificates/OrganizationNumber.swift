/// Norwegian organisation numbers (organisasjonsnummer, Enhetsregisteret):
/// nine digits whose last is a modulus-11 check digit with weights 3 2 7 6 5 4 3 2.
public enum OrganizationNumber {
    private static let weights = [3, 2, 7, 6, 5, 4, 3, 2]

    /// Whether `text` is nine digits with a correct check digit.
    public static func isValid(_ text: String) -> Bool {
        let digits = text.utf8.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard digits.count == 9, digits.allSatisfy({ (0...9).contains($0) }) else { return false }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let remainder = sum % 11
        // Remainder 1 would need check digit 10: such numbers are never issued.
        let check = remainder == 0 ? 0 : 11 - remainder
        return check != 10 && check == digits[8]
    }
}
