import Testing
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// The cases where the hand-written `Frame` codec and libprotobuf-c used to
/// differ, each decided once (docs/PROTOCOL.md §2, "Decoding rules") and held
/// by both codecs: `Wire.withFrame` and `Consent_V1_Frame(serializedBytes:)`
/// accept or refuse every body in `cases` alike. The one deliberate
/// difference, a `kind` set twice, is `kindTwice`.
@Suite("Frame codecs agree on the edge cases")
struct CodecAgreementTests {
    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }

    static func field(_ number: UInt64, wireType: UInt64, _ body: [UInt8]) -> [UInt8] {
        varint(number << 3 | wireType) + (wireType == 2 ? varint(UInt64(body.count)) : []) + body
    }

    /// A Request frame body with `requestFields` inside Frame.request and `frameFields` beside it.
    static func request(callID: UInt64 = 1, _ requestFields: [UInt8], frameFields: [UInt8] = []) -> [UInt8] {
        field(1, wireType: 0, varint(callID)) + field(2, wireType: 2, requestFields) + frameFields
    }

    static let method = field(1, wireType: 2, Array("/test.Echo/Unary".utf8))

    /// (case, body, whether both accept it)
    static let cases: [(String, [UInt8], Bool)] = [
        ("unknown field 2^29 − 1 (the maximum) is skipped", request(method, frameFields: field((1 << 29) - 1, wireType: 0, [1])), true),
        ("field number 2^29 is above the maximum", request(method, frameFields: field(1 << 29, wireType: 0, [1])), false),
        ("field number 2^32 − 1", request(method, frameFields: field((1 << 32) - 1, wireType: 0, [1])), false),
        ("field number 2^40 (a 6-byte tag)", request(method, frameFields: field(1 << 40, wireType: 0, [1])), false),
        ("call_id 2^32 − 1 fits", request(callID: (1 << 32) - 1, method), true),
        ("call_id 2^32 + 5 does not fit in 32 bits", request(callID: (1 << 32) + 5, method), false),
        ("deadline_ms 2^32 − 1 fits (49.7 days)", request(method + field(2, wireType: 0, varint((1 << 32) - 1))), true),
        ("deadline_ms 2^32 + 1500 does not fit", request(method + field(2, wireType: 0, varint((1 << 32) + 1500))), false),
        ("method of invalid UTF-8", request(field(1, wireType: 2, [0x2F, 0xC3, 0x28])), false),
        ("method with a NUL", request(field(1, wireType: 2, Array("/a\u{0}b".utf8))), false),
        ("method of valid non-ASCII UTF-8", request(field(1, wireType: 2, Array("/tjeneste/Sø".utf8))), true),
        ("metadata key of invalid UTF-8", request(method + field(3, wireType: 2, field(1, wireType: 2, [0xFF, 0xFE]))), false),
        ("metadata value with a NUL", request(method + field(3, wireType: 2, field(2, wireType: 2, [0x61, 0x00]))), false),
        ("Response.status_code wider than 32 bits",
         field(1, wireType: 0, [1]) + field(3, wireType: 2, field(1, wireType: 0, varint((1 << 32) + 2))), false),
        ("Response.status_message of invalid UTF-8", field(1, wireType: 0, [1]) + field(3, wireType: 2, field(2, wireType: 2, [0xE2, 0x82])), false),
        ("GoAway.reason of invalid UTF-8", field(8, wireType: 2, field(2, wireType: 2, [0xC0, 0x80])), false),
        ("GoAway.code wider than 32 bits is an enum: truncated by both, as protobuf says", field(8, wireType: 2, field(1, wireType: 0, varint(1 << 40))), true),
        // libprotobuf-c reads a tag or a length in at most 5 bytes; the hand
        // codec took longer ones padded with 0x80s (FuzzFrameCodec's first run).
        ("a tag padded to 5 bytes", request(method, frameFields: [0xC8, 0x80, 0x80, 0x80, 0x00, 0x01]), true),
        ("a tag padded to 6 bytes", request(method, frameFields: [0xC8, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01]), false),
        ("a tag padded to 6 bytes inside the Request (deadline_ms)", request(method + [0x90, 0x80, 0x80, 0x80, 0x80, 0x00, 0x05]), false),
        ("a length padded to 5 bytes (method)", request([0x0A, 0x90, 0x80, 0x80, 0x80, 0x00] + Array("/test.Echo/Unary".utf8)), true),
        ("a length padded to 6 bytes (method)", request([0x0A, 0x90, 0x80, 0x80, 0x80, 0x80, 0x00] + Array("/test.Echo/Unary".utf8)), false),
        ("a length padded to 6 bytes (an unknown field)", request(method, frameFields: [0x4A, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x61]), false),
        ("a 10-byte varint of 64 bits", request(method, frameFields: [0x48] + Array(repeating: 0xFF, count: 9) + [0x01]), true),
        ("a 10-byte varint wider than 64 bits", request(method, frameFields: [0x48] + Array(repeating: 0xFF, count: 9) + [0x02]), false),
    ]

    @Test("each edge case is accepted or refused by both codecs alike", arguments: 0..<cases.count)
    func agree(_ index: Int) {
        let (name, body, accepted) = Self.cases[index]
        let byProtobufC = (try? Consent_V1_Frame(serializedBytes: body)) != nil
        let byWire = body.withUnsafeBytes { bytes in (try? Wire.withFrame(bytes) { _, _ in true }) ?? false }
        #expect(byProtobufC == accepted, "protobuf-c: \(name)")
        #expect(byWire == accepted, "Wire: \(name)")
    }

    @Test("on the wire: a Request the codecs refuse is a protocol error, not a call")
    func refusedOnTheWire() async throws {
        let server = try TestServer(loops: 1)
        let bystander = try server.client()
        let refusedRequests = Self.cases.filter { !$0.2 && !$0.0.hasPrefix("Response") && !$0.0.hasPrefix("GoAway") }
        #expect(refusedRequests.count == 14)
        for (_, body, _) in refusedRequests {
            try ProtocolErrorTests.expectGoAway(ProtocolErrorTests.frame(body), code: .protocolError, server: server)
        }
        #expect(server.recorder.dispatched.load(ordering: .relaxed) == 0, "none of them reached the dispatcher")
        #expect(bystander.call(TestMethod.echo, [1]).payload == [1])
        bystander.close()
        await server.shutdown()
    }

    /// A Frame that sets `kind` twice: protobuf merges two occurrences of the
    /// same member and lets a later member replace an earlier one unread;
    /// libprotobuf-c keeps the last occurrence alone. The hand codec refuses
    /// it (the one deliberate difference, PROTOCOL.md §2): each body below was
    /// read one way by the hand codec and another by libprotobuf-c.
    static let kindTwice: [(String, [UInt8])] = [
        ("Request twice (the halves merged would be one call)",
         request(method) + field(2, wireType: 2, field(2, wireType: 0, varint(9)))),
        ("Response twice (status 767, then none)", [0x1A, 0x05, 0x08, 0xFF, 0x05, 0x48, 0x1A, 0x1A, 0x00]),
        ("Ping twice, each half malformed", [0x2A, 0x02, 0x2A, 0x02, 0x2A, 0x02, 0x7A, 0x02]),
        ("a malformed Pong replaced by a Cancel", [0x3A, 0x01, 0x00, 0x2A, 0x00]),
        ("a Request replaced by a Cancel", request(method) + field(5, wireType: 2, [])),
    ]

    @Test("a Frame that sets kind more than once is refused", arguments: 0..<kindTwice.count)
    func kindSetTwice(_ index: Int) {
        let (name, body) = Self.kindTwice[index]
        let byWire = body.withUnsafeBytes { bytes in Result { () throws(Wire.DecodeError) in try Wire.withFrame(bytes) { _, _ in () } } }
        guard case .failure(let error) = byWire else {
            Issue.record("Wire took \(name)")
            return
        }
        #expect(error.reason == "Frame.kind set more than once", "\(name)")
    }

    @Test("on the wire: a Request whose kind is set twice is a protocol error, not a call")
    func kindSetTwiceOnTheWire() async throws {
        let server = try TestServer(loops: 1)
        let bystander = try server.client()
        for (_, body) in Self.kindTwice where body.first == 0x08 {
            try ProtocolErrorTests.expectGoAway(ProtocolErrorTests.frame(body), code: .protocolError, server: server,
                                                reason: "undecodable frame: Frame.kind set more than once")
        }
        #expect(server.recorder.dispatched.load(ordering: .relaxed) == 0, "neither reached the dispatcher")
        #expect(bystander.call(TestMethod.echo, [1]).payload == [1])
        bystander.close()
        await server.shutdown()
    }
}
