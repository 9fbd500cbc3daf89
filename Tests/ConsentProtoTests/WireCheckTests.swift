import Testing
@testable import ConsentProto

/// `ProtoWireCheck`: the element limit counted on the wire, and the strict
/// rules every decode applies beyond libprotobuf-c's.
@Suite struct WireCheckTests {
    @Test func repeatedFieldsAreCountedAtEveryDepthAndPacked() {
        let uses = Consent_V1_LogUsesRequest(uses: Array(repeating: Consent_V1_LogUseRequest(resource: "5252_1"), count: 1000))
        #expect(ProtoWireCheck.check(uses.serializedBytes(), as: Consent_V1_LogUsesRequest.self, maxElements: 1000) == nil)
        let more = Consent_V1_LogUsesRequest(uses: Array(repeating: Consent_V1_LogUseRequest(), count: 1001))
        #expect(ProtoWireCheck.check(more.serializedBytes(), as: Consent_V1_LogUsesRequest.self, maxElements: 1000)
                == .tooManyElements(field: "uses", limit: 1000))
        // Packed enums (ListEventsRequest.types) count each value.
        var list = Consent_V1_ListEventsRequest()
        list.types = Array(repeating: .requestCreated, count: 1001)
        #expect(ProtoWireCheck.check(list.serializedBytes(), as: Consent_V1_ListEventsRequest.self, maxElements: 1000)
                == .tooManyElements(field: "types", limit: 1000))
        // Nested: the metadata of one resource of a CreateRequest.
        var create = Consent_V1_CreateRequestRequest()
        create.resources = [Consent_V1_RequestedResource(resourceId: "5252_1", metadata: Array(repeating: .init(key: "k", value: "v"), count: 1001))]
        #expect(ProtoWireCheck.check(create.serializedBytes(), as: Consent_V1_CreateRequestRequest.self, maxElements: 1000)
                == .tooManyElements(field: "metadata", limit: 1000))
        #expect(ProtoWireCheck.hasRepeatedFields(Consent_V1_LogUsesRequest.self))
        #expect(!ProtoWireCheck.hasRepeatedFields(Consent_V1_HealthCheckRequest.self))
    }

    @Test func stringsOfInvalidUTF8OrWithNULAreNotDecoded() {
        // IssueTokenRequest.consent_id, its last two bytes corrupted.
        var request = Consent_V1_IssueTokenRequest(consentId: "AB")
        var bytes = request.serializedBytes()
        #expect((try? Consent_V1_IssueTokenRequest(serializedBytes: bytes)) == request)
        bytes[bytes.count - 2] = 0xC3
        bytes[bytes.count - 1] = 0x28  // not a continuation byte
        #expect(throws: ProtoDecodingError.self) { try Consent_V1_IssueTokenRequest(serializedBytes: bytes) }
        bytes[bytes.count - 2] = 0x41
        bytes[bytes.count - 1] = 0x00  // NUL: libprotobuf-c would cut the string there
        #expect(throws: ProtoDecodingError.self) { try Consent_V1_IssueTokenRequest(serializedBytes: bytes) }
        request.consentId = "ÅØ🙂"
        #expect((try? Consent_V1_IssueTokenRequest(serializedBytes: request.serializedBytes())) == request)
    }

    @Test func fieldNumbersAboveTheMaximumAndWideUInt32AreNotDecoded() throws {
        // An unknown field inside a nested message: number 2^29 − 1 is skipped, 2^29 is refused.
        func listWithUnknown(_ number: UInt64) -> [UInt8] {
            var tag = number << 3
            var out: [UInt8] = []
            while tag >= 0x80 { out.append(UInt8(tag & 0x7F) | 0x80); tag >>= 7 }
            return out + [UInt8(tag), 1]
        }
        #expect((try? Consent_V1_ListEventsRequest(serializedBytes: listWithUnknown((1 << 29) - 1))) != nil)
        #expect(throws: ProtoDecodingError.self) { try Consent_V1_ListEventsRequest(serializedBytes: listWithUnknown(1 << 29)) }
        // ListEventsRequest.limit (uint32, field 5) of 2^32 + 7.
        let wide: [UInt8] = [0x28, 0x87, 0x80, 0x80, 0x80, 0x10]
        #expect(throws: ProtoDecodingError.self) { try Consent_V1_ListEventsRequest(serializedBytes: wide) }
        #expect((try? Consent_V1_ListEventsRequest(serializedBytes: [0x28, 0x87, 0x01]))?.limit == 135)
    }

    @Test func cleanUTF8IsCheckedAtEveryPosition() {
        func clean(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { ProtoWireCheck.isCleanUTF8($0) } }
        for length in 0...20 {
            let ascii = [UInt8](repeating: 0x61, count: length)
            #expect(clean(ascii))
            for position in 0..<length {
                var withNUL = ascii
                withNUL[position] = 0
                #expect(!clean(withNUL), "NUL at \(position) of \(length)")
                var withHigh = ascii
                withHigh[position] = 0xFF
                #expect(!clean(withHigh), "0xFF at \(position) of \(length)")
                var withLatin = ascii
                withLatin[position] = 0x7F
                #expect(clean(withLatin))
            }
        }
        #expect(clean(Array("/consent.v1.Health/Check Håkon 🙂".utf8)))
        #expect(!clean([0xC3]))
        #expect(!clean(Array("abcdefgh".utf8) + [0xED, 0xA0, 0x80]))  // a UTF-16 surrogate
    }
}
