import Foundation
import Testing
@testable import ConsentToken

@Suite("JSON writer and parser")
struct JSONTests {
    static func written(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("awkward strings are escaped exactly", arguments: [
        ("plain", #""plain""#),
        (#"quote " and backslash \"#, #""quote \" and backslash \\""#),
        ("\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
        ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
        ("Håkon Trana", "\"Håkon Trana\""),
        ("ÆØÅ æøå", "\"ÆØÅ æøå\""),
        ("emoji 🙂👩‍👩‍👧", "\"emoji 🙂👩‍👩‍👧\""),
        ("\u{7F} and \u{2028}", "\"\u{7F} and \u{2028}\""),
        ("</script>", "\"</script>\""),
    ])
    func escaping(input: String, expected: String) throws {
        let json = Self.written(input)
        #expect(json == expected)
        // Our parser and Foundation's both read back the original.
        #expect(try JSONParser.parse(Array(json.utf8)) == .string(input))
        let foundation = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
        #expect(foundation == input)
    }

    @Test("escapes are found at every position of long strings (word-at-a-time scan)")
    func escapePositions() throws {
        for special in ["\"", "\\", "\u{0}", "\u{1F}", "\n"] as [String] {
            for position in 0..<24 {
                var characters = [String](repeating: "å", count: 24)
                characters[position] = special
                let text = characters.joined()
                let json = Self.written(text)
                #expect(try JSONParser.parse(Array(json.utf8)) == .string(text), "\(position)")
                #expect(!json.utf8.contains { $0 < 0x20 }, "\(position)")
            }
        }
        // Bytes ≥ 0x80 and 0x7F are never escaped.
        #expect(Self.written("\u{7F}ÿ€") == "\"\u{7F}ÿ€\"")
    }

    @Test("integers")
    func integers() {
        for value: Int64 in [0, 7, -7, 1_736_935_200, .max, .min] {
            var writer = JSONWriter()
            writer.integer(value)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == String(value))
        }
    }

    @Test("escapes and surrogate pairs are decoded")
    func parserEscapes() throws {
        let value = try JSONParser.parse(Array(#"{"a":"\u00e5\ud83d\ude42\/\"","b":[1,-0.5,2e3,true,false,null]}"#.utf8))
        #expect(value["a"] == .string("å🙂/\""))
        #expect(value["b"] == .array([.number("1"), .number("-0.5"), .number("2e3"), .bool(true), .bool(false), .null]))
    }

    @Test("anything ambiguous or invalid is refused", arguments: [
        #"{"a":1,"a":2}"#, #"{"a":1} x"#, "01", "-", "1.", "1e", #""\ud800""#, #""\udc00x""#,
        "\"tab\there\"", #""\x""#, "[1,]", "{\"a\"}", "{,}", "tru", "", "[" + String(repeating: "[", count: 40) + "]",
    ])
    func refused(text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("a duplicate member name is refused in small objects (compared directly) and big ones (hashed)", arguments: [2, 15, 16, 17, 40])
    func duplicates(members: Int) throws {
        let names = (0..<members).map { "k\($0)" }
        let unique = "{" + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
        #expect(try JSONParser.parse(Array(unique.utf8)).objectValue?.count == members)
        for repeated in [names[0], names[members / 2], names[members - 1]] {
            let text = "{" + (names + [repeated]).map { "\"\($0)\":1" }.joined(separator: ",") + "}"
            #expect(throws: JSONParser.Failure(message: "duplicate member \"\(repeated)\"", offset: text.utf8.count - 3)) {
                try JSONParser.parse(Array(text.utf8))
            }
        }
    }

    @Test("literals are read exactly", arguments: ["true", "false", "null", "tru", "falsy", "nul", "truex", "nulll"])
    func literals(text: String) {
        let expected: JSONValue? = ["true": .bool(true), "false": .bool(false), "null": .null][text]
        #expect((try? JSONParser.parse(Array(text.utf8))) == expected)
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("numeric dates: integers, fractions floored, absurd values refused")
    func numericDates() {
        #expect(JSONValue.number("1736935200").numericDate == 1_736_935_200)
        #expect(JSONValue.number("1736935200.9").numericDate == 1_736_935_200)
        #expect(JSONValue.number("1.7e9").numericDate == 1_700_000_000)
        #expect(JSONValue.number("1e300").numericDate == nil)
        #expect(JSONValue.string("1").numericDate == nil)
    }
}

@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test("formatting", arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (1_700_000_000, "2023-11-14T22:13:20Z"),
        (1_736_935_200, "2025-01-15T10:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
    ])
    func format(seconds: Int64, text: String) {
        #expect(RFC3339.format(seconds) == text)
        #expect(RFC3339.parse(text) == seconds)
    }

    @Test("offsets, fractions and lower case")
    func parseVariants() {
        #expect(RFC3339.parse("2025-01-15T11:00:00+01:00") == 1_736_935_200)
        #expect(RFC3339.parse("2025-01-15T09:30:00-00:30") == 1_736_935_200)
        #expect(RFC3339.parse("2025-01-15t10:00:00.999z") == 1_736_935_200)
    }

    @Test("invalid dates and shapes are refused", arguments: [
        "2023-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-01-15T24:00:00Z", "2025-01-15 10:00:00Z",
        "2025-01-15T10:00:00", "2025-01-15T10:00:00.Z", "2025-1-15T10:00:00Z", "2025-01-15T10:00:00+0100",
    ])
    func refused(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}
