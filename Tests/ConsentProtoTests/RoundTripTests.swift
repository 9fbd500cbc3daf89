import Testing
@testable import ConsentProto

@Suite struct RoundTripTests {
    @Test func frameWithRequestRoundTrips() throws {
        let request = Consent_V1_Request(
            method: "/consent.v1.Health/Check", deadlineMs: 250,
            metadata: [.init(key: "x-user", value: "Håkon Trana 😀"), .init(key: "", value: "")],
            payload: [1, 2, 3, 0, 255]
        )
        let frame = Consent_V1_Frame(callId: 7, kind: .request(request))
        let bytes = frame.serializedBytes()
        #expect(bytes.count == frame.serializedSize)
        #expect(try Consent_V1_Frame(serializedBytes: bytes) == frame)
    }

    @Test func everyFrameKindRoundTrips() throws {
        let kinds: [Consent_V1_Frame.OneOf_Kind] = [
            .request(.init(method: "m")), .response(.init(statusCode: 16, statusMessage: "who?", trailers: [.init(key: "k", value: "v")])),
            .streamMessage(.init(payload: [0])), .cancel(.init()), .ping(.init(data: .max)), .pong(.init(data: 1)),
            .goAway(.init(code: .idleTimeout, reason: "idle")),
        ]
        for kind in kinds {
            let frame = Consent_V1_Frame(callId: .max, kind: kind)
            #expect(try Consent_V1_Frame(serializedBytes: frame.serializedBytes()) == frame)
        }
    }

    @Test func emptyMessageEncodesToNothingAndBack() throws {
        #expect(Consent_V1_Frame().serializedBytes().isEmpty)
        #expect(try Consent_V1_Frame(serializedBytes: [UInt8]()) == Consent_V1_Frame())
    }

    @Test func repeatedMessagesAndLargeValuesOutgrowTheArenaChunk() throws {
        let methods = (0..<2000).map { Consent_V1_MethodStats(method: "/consent.v1.S/M\($0)", calls: UInt64($0) << 40, errors: 1) }
        let stats = Consent_V1_HealthStatsResponse(
            uptimeMs: 1, eventLoops: 2, methods: methods, storage: String(repeating: "x", count: 100_000)
        )
        let back = try Consent_V1_HealthStatsResponse(serializedBytes: stats.serializedBytes())
        #expect(back == stats)
        let bigPayload = Consent_V1_Request(payload: [UInt8](repeating: 0x5A, count: 1 << 20))
        #expect(try Consent_V1_Request(serializedBytes: bigPayload.serializedBytes()) == bigPayload)
    }

    @Test func unknownEnumNumbersSurviveARoundTrip() throws {
        let response = Consent_V1_HealthCheckResponse(status: .init(rawValue: 42))
        let back = try Consent_V1_HealthCheckResponse(serializedBytes: response.serializedBytes())
        #expect(back.status == .unrecognized(42))
        #expect(Consent_V1_HealthCheckResponse.ServingStatus(rawValue: 1) == .serving)
        #expect(Consent_V1_HealthCheckResponse.ServingStatus.serving.protoName == "SERVING")
    }

    @Test func malformedBytesThrowNamingTheMessage() {
        // A length-delimited field (tag 1, wire type 2) announcing more bytes than follow.
        #expect(throws: ProtoDecodingError(messageName: "Consent_V1_Request")) {
            try Consent_V1_Request(serializedBytes: [0x0A, 0x05, 0x41])
        }
        // Wire type 7 does not exist.
        #expect(throws: ProtoDecodingError.self) { try Consent_V1_Frame(serializedBytes: [0x0F]) }
    }

    @Test func parsingFromASliceDoesNotNeedACopy() throws {
        let frame = Consent_V1_Frame(callId: 3, kind: .ping(.init(data: 5)))
        let bytes = [0xEE, 0xEE] + frame.serializedBytes() + [0xEE]
        #expect(try Consent_V1_Frame(serializedBytes: bytes[2..<(bytes.count - 1)]) == frame)
    }

    @Test func methodDescriptorsCarryFullNames() {
        #expect(Consent_V1_Health.check.fullName == "/consent.v1.Health/Check")
        #expect(Consent_V1_Health.stats.kind == .unary)
        #expect(Consent_V1_Health.allMethodNames == ["/consent.v1.Health/Check", "/consent.v1.Health/Stats"])
    }
}
