import ConsentOpenSSL
import Testing
@testable import ConsentToken

/// The claims reader for the hub's own layout (`CanonicalClaimsReader`):
/// what it reads must be what the general path (`JSONParser` and
/// `ConsentTokenClaims(payload:)`) reads, and whatever it cannot read it must
/// give up on, so the general path answers with its own error.
@Suite("Canonical claims reader")
struct CanonicalClaimsReaderTests {
    static let base = ClaimsEncodingTests.expectedJSON

    /// The general path's reading: claims, or its error.
    static func general(_ json: String) -> Result<ConsentTokenClaims, TokenError> {
        Result { () throws(TokenError) in try TokenFuzzingSeam.claims(fromPayloadJSON: Array(json.utf8)) }
    }

    static func canonical(_ json: String) -> ConsentTokenClaims? {
        Array(json.utf8).withUnsafeBytes { CanonicalClaimsReader.read($0) }
    }

    /// Claims as the hub writes them, in the forms tokens take.
    static var written: [ConsentTokenClaims] {
        let plain = ClaimsEncodingTests.fixedClaims
        var oneTime = plain
        oneTime.isOneTime = true
        oneTime.consent.from = .organisation(identifier: "974761076")
        var vendor = plain
        vendor.consent.handledByOrganisationNumber = "913456785"
        var rich = plain
        rich.consent.rights[0].actions = ["submit-application", "sign"]
        rich.consent.rights.append(ConsentRight(resource: "4629_2"))
        rich.consent.rights.append(ConsentRight(resource: "ttd_inntekt", metadata: ["år": "2024", "kommune": "Bø i Telemark"]))
        var early = plain
        early.issuedAt = 0
        early.expiresAt = 9
        early.consent.consentedAt = 0
        early.consent.validTo = RFC3339.limit - 1
        return [plain, oneTime, vendor, rich, early]
    }

    @Test("the hub's own payloads read to the claims written, and to what the general path reads")
    func hubPayloads() throws {
        for claims in Self.written {
            let json = claims.json
            #expect(Self.canonical(json) == claims, "\(json)")
            #expect(try Self.general(json).get() == claims)
        }
    }

    /// Payloads the general path reads (or refuses) but that are not in the
    /// hub's layout: the reader gives up on each, and the general path answers.
    static let notCanonical: [(String, String, String)] = [
        ("whitespace", #"{"iss":"#, #"{ "iss":"#),
        ("members in another order", #"{"iss":"https://consenthub.example","iat":1736935200,"#, #"{"iat":1736935200,"iss":"https://consenthub.example","#),
        ("an escaped character", "consenthub.example", #"consenthub\u002eexample"#),
        ("an escaped slash", "https://", #"https:\/\/"#),
        ("a fractional iat", #""iat":1736935200"#, #""iat":1736935200.5"#),
        ("an exponent", #""iat":1736935200"#, #""iat":1.7369352E9"#),
        ("a leading zero", #""iat":1736935200"#, #""iat":01736935200"#),
        ("iat past 2^53", #""iat":1736935200"#, #""iat":9007199254740993"#),
        ("iat of 17 digits", #""iat":1736935200"#, #""iat":10000000000000000"#),
        ("iat a string", #""iat":1736935200"#, #""iat":"1736935200""#),
        ("a second consent action", #"["consent"]"#, #"["consent","consent"]"#),
        ("consent not first", #"["consent"]"#, #"["read","consent"]"#),
        ("no consent action", #"["consent"]"#, #"["read"]"#),
        ("a duplicate metadata name", #""tilOgMed":"31.12.2024""#, #""tilOgMed":"31.12.2024","fraOgMed":"x""#),
        ("a metadata number", #""tilOgMed":"31.12.2024""#, #""tilOgMed":31"#),
        ("no metadata", #","metadata":{"fraOgMed":"01.01.2024","tilOgMed":"31.12.2024"}"#, ""),
        ("a 10-digit person", "01017012345", "0101701234"),
        ("a 12-digit person", "01017012345", "010170123456"),
        ("a letter in the consumer", "0192:910203045", "0192:91020304x"),
        ("a short consumer", "0192:910203045", "0192:91020304"),
        ("another authority", "iso6523-actorid-upis", "iso6523"),
        ("an extra member in to", #""ID":"0192:910203045"}"#, #""ID":"0192:910203045","x":1}"#),
        ("the 30th of February", #""2025-01-15T09:00:00Z""#, #""2025-02-30T09:00:00Z""#),
        ("a time that is not one", #""2025-01-15T09:00:00Z""#, #""yesterday""#),
        ("consent_once false", "]}]}", #"]}],"consent_once":false}"#),
        ("consent_once a string", "]}]}", #"]}],"consent_once":"true"}"#),
        ("an nbf", "]}]}", #"]}],"nbf":1}"#),
        ("an unknown member", "]}]}", #"]}],"x":1}"#),
        ("a duplicate member", "]}]}", #"]}],"iss":"https://consenthub.example"}"#),
        ("trailing content", "]}]}", "]}]} "),
        ("trailing garbage", "]}]}", "]}]}x"),
        ("two consents", "]}]}", #"]},{"type":"urn:altinn:consent"}]}"#),
        ("no rights", #""consentRights":[{"action":["consent"],"resource":[{"type":"urn:altinn:resource","value":"5252_1"}],"metadata":{"fraOgMed":"01.01.2024","tilOgMed":"31.12.2024"}}]"#, #""consentRights":[]"#),
        ("a truncated payload", "]}]}", "]}"),
        ("a raw control character", "fixed-jti", "fixed\u{1}jti"),
    ]

    @Test("payloads not in the hub's layout are left to the general path", arguments: notCanonical)
    func givesUp(name: String, replacing: String, with replacement: String) {
        #expect(Self.base.contains(replacing), "\(name): the base payload has no \(replacing)")
        let json = Self.base.replacingOccurrences(of: replacing, with: replacement)
        let read = Self.canonical(json)
        // A payload the general path reads may still be read here only when
        // it is the hub's layout; the ones above are not: nil for every one.
        #expect(read == nil, "\(name): \(json) read as \(String(describing: read))")
    }

    @Test("whatever the reader reads, the general path reads the same (every prefix and one-byte change of hub payloads)")
    func agreesWithTheGeneralPath() {
        var compared = 0
        for claims in Self.written {
            let bytes = Array(claims.json.utf8)
            var variants: [[UInt8]] = (0...bytes.count).map { Array(bytes[..<$0]) }
            for position in bytes.indices {
                for byte: UInt8 in [0x00, 0x22, 0x5C, 0x2C, 0x7D, 0x30, 0x39, 0x61, 0xC3, 0xFF] where byte != bytes[position] {
                    var changed = bytes
                    changed[position] = byte
                    variants.append(changed)
                }
                var removed = bytes
                removed.remove(at: position)
                variants.append(removed)
            }
            for variant in variants {
                guard let read = variant.withUnsafeBytes({ CanonicalClaimsReader.read($0) }) else { continue }
                compared += 1
                let general = Result { () throws(TokenError) in try TokenFuzzingSeam.claims(fromPayloadJSON: variant) }
                #expect(general == .success(read), "\(String(decoding: variant, as: UTF8.self))")
            }
        }
        // Digit changes keep the layout: the comparison was not empty.
        #expect(compared > 100)
    }

    @Test("hostile payloads: nothing read, nothing trapped")
    func hostile() {
        let hostile: [[UInt8]] = [
            [], [0x7B], Array(#"{"iss":""#.utf8), Array(#"{"iss":"\"#.utf8),
            Array(repeating: 0x5B, count: 10_000), Array(repeating: 0x22, count: 10_000),
            Array(#"{"iss":"a","iat":-"#.utf8), Array(#"{"iss":"a","iat":-9007199254740992"#.utf8),
            Array(#"{"iss":"a","iat":99999999999999999999999"#.utf8),
            Array(Self.base.utf8.dropLast()), Array(Self.base.utf8) + [0],
            // Invalid UTF-8 in the jti: the general path refuses it, so must this reader.
            Array(Self.base.replacingOccurrences(of: "fixed-jti", with: "fixed\u{1}jti").utf8).map { $0 == 1 ? 0xC3 : $0 },
        ]
        for payload in hostile {
            #expect(payload.withUnsafeBytes { CanonicalClaimsReader.read($0) } == nil)
        }
    }

    @Test("times in any RFC 3339 form read by the general path's own rule")
    func times() throws {
        for (text, value) in [
            ("2025-01-15T10:00:00+01:00", Int64(1_736_931_600)), ("2025-01-15T09:00:00.5Z", 1_736_931_600),
            ("2025-01-15t09:00:00z", 1_736_931_600), ("2024-12-31T23:59:60Z", 1_735_689_599),
        ] {
            let json = Self.base.replacingOccurrences(of: #""consented":"2025-01-15T09:00:00Z""#, with: #""consented":""# + text + "\"")
            #expect(Self.canonical(json)?.consent.consentedAt == value, "\(text)")
            #expect(try Self.general(json).get().consent.consentedAt == value)
        }
    }

    @Test("negative and zero NumericDates read as the general path reads them")
    func numericDates() throws {
        for (text, value) in [("0", Int64(0)), ("-0", 0), ("-5", -5), ("9007199254740992", 1 << 53), ("-9007199254740992", -(1 << 53))] {
            let json = Self.base.replacingOccurrences(of: #""iat":1736935200"#, with: #""iat":"# + text)
            #expect(Self.canonical(json)?.issuedAt == value, "\(text)")
            #expect(try Self.general(json).get().issuedAt == value)
        }
    }
}
