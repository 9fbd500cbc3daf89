/// Reads the claims of a payload laid out exactly as the hub writes it
/// (`ConsentTokenClaims.write(into:)`) straight from its bytes: no
/// `JSONValue` tree and no intermediate strings.
///
/// An accelerator, not a second parser: it accepts only the hub's own layout
/// (the writer's member order, no whitespace, no escapes, no member the
/// writer does not write, `consent_once` only as `true`) and gives up, with
/// nil, on anything else. The caller then reads the payload with
/// `JSONParser` and `ConsentTokenClaims(payload:)`, so every refusal, and
/// every payload laid out another way, is answered by that one general path
/// with its own message. What this reader accepts it reads to the claims the
/// general path reads (CanonicalClaimsReaderTests compares the two over a
/// table of payloads, and the FuzzToken target over the fuzzer's).
///
/// Why: building the tree was a quarter of a `VerifyToken` and close to half
/// of its allocations (BENCHMARKS.md).
struct CanonicalClaimsReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    /// The claims of `payload` (the decoded JSON, not base64url), or nil when
    /// it is not in the hub's layout or a field would not read.
    static func read(_ payload: UnsafeRawBufferPointer) -> ConsentTokenClaims? {
        var reader = CanonicalClaimsReader(bytes: payload)
        return reader.claims()
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private mutating func claims() -> ConsentTokenClaims? {
        guard literal(#"{"iss":"#), let issuer = string(),
              literal(#","iat":"#), let issuedAt = numericDate(),
              literal(#","exp":"#), let expiresAt = numericDate(),
              literal(#","jti":"#), let tokenID = string(),
              literal(#","authorization_details":[{"type":"urn:altinn:consent","id":"#), let consentID = string(),
              literal(#","from":"#), let from = party(),
              literal(#","to":{"authority":"iso6523-actorid-upis","ID":"0192:"#), let consumer = digits(9),
              literal(#""}"#) else { return nil }
        var handledBy: String? = nil
        if literal(#","handledBy":"urn:altinn:organization:identifier-no:"#) {
            guard let vendor = digits(9), literal("\"") else { return nil }
            handledBy = vendor
        }
        guard literal(#","consented":"#), let consentedAt = time(),
              literal(#","validTo":"#), let validTo = time(),
              literal(#","consentRights":["#) else { return nil }
        var rights: [ConsentRight] = []
        repeat {
            guard let right = right() else { return nil }
            rights.append(right)
        } while literal(",")
        guard literal("]}]") else { return nil }
        let isOneTime = literal(#","consent_once":true"#)
        guard literal("}"), index == bytes.count else { return nil }
        return ConsentTokenClaims(
            issuer: issuer, issuedAt: issuedAt, expiresAt: expiresAt, tokenID: tokenID,
            consent: ConsentAuthorizationDetail(
                consentID: consentID, from: from, consumerOrganisationNumber: consumer,
                consentedAt: consentedAt, validTo: validTo, rights: rights, handledByOrganisationNumber: handledBy),
            isOneTime: isOneTime)
    }

    /// `{"action":["consent",…],"resource":[{"type":"urn:altinn:resource","value":…}],"metadata":{…}}`
    private mutating func right() -> ConsentRight? {
        guard literal(#"{"action":["consent""#) else { return nil }
        var actions: [String] = []
        while literal(",") {
            // A second "consent" is dropped by the general path: left to it.
            guard let action = string(), action != "consent" else { return nil }
            actions.append(action)
        }
        guard literal(#"],"resource":[{"type":"urn:altinn:resource","value":"#), let resource = string(),
              literal(#"}],"metadata":{"#) else { return nil }
        var metadata: [String: String] = [:]
        if !literal("}") {
            repeat {
                guard let key = string(), literal(":"), let value = string() else { return nil }
                // A repeated name is a JSON error: the general path says so.
                guard metadata.updateValue(value, forKey: key) == nil else { return nil }
            } while literal(",")
            guard literal("}") else { return nil }
        }
        guard literal("}") else { return nil }
        return ConsentRight(resource: resource, metadata: metadata, actions: actions)
    }

    /// Consumes `text` if the input continues with it.
    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// The contents of a string without escapes or control characters
    /// (the quotes consumed), or nil.
    private mutating func stringContents() -> UnsafeRawBufferPointer? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        index = end + 1
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// A string; non-ASCII text only if it is valid UTF-8 (as the general parser demands).
    private mutating func string() -> String? {
        guard let contents = stringContents() else { return nil }
        var highBits: UInt8 = 0
        for byte in contents { highBits |= byte }
        if highBits & 0x80 == 0 { return String(decoding: contents, as: UTF8.self) }
        return String(validating: contents, as: UTF8.self)
    }

    /// Exactly `count` ASCII digits, then (not consumed) anything but a digit.
    private mutating func digits(_ count: Int) -> String? {
        guard bytes.count - index >= count else { return nil }
        let run = UnsafeRawBufferPointer(rebasing: bytes[index..<(index + count)])
        for byte in run where byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") { return nil }
        index += count
        return String(decoding: run, as: UTF8.self)
    }

    /// `"urn:altinn:person:identifier-no:<11 digits>"` or the organisation's 9.
    private mutating func party() -> ConsentParty? {
        if literal(#""urn:altinn:person:identifier-no:"#) {
            guard let identifier = digits(11), literal("\"") else { return nil }
            return .person(identifier: identifier)
        }
        if literal(#""urn:altinn:organization:identifier-no:"#) {
            guard let identifier = digits(9), literal("\"") else { return nil }
            return .organisation(identifier: identifier)
        }
        return nil
    }

    /// A quoted RFC 3339 time, read by the general path's own rule.
    private mutating func time() -> Int64? {
        guard let contents = stringContents() else { return nil }
        return RFC3339.parse(utf8: contents)
    }

    /// An integer NumericDate as the hub writes it: an optional minus, no
    /// leading zero, no fraction or exponent, at most 2^53 in magnitude
    /// (`JSONValue.numericDate`'s range). Anything else is left to the general path.
    private mutating func numericDate() -> Int64? {
        var position = index
        let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let first = position
        var value: Int64 = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            // 16 digits hold 2^53 (9,007,199,254,740,992) and cannot overflow.
            guard position - first < 16 else { return nil }
            value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        let digitCount = position - first
        guard digitCount > 0, digitCount == 1 || bytes[first] != UInt8(ascii: "0"), value <= 1 << 53 else { return nil }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") || bytes[position] | 0x20 == UInt8(ascii: "e") {
            return nil
        }
        index = position
        return negative ? -value : value
    }
}
