import Testing
@testable import ConsentProto

@Suite struct RoundTripTests {
    @Test func frameWithRequestRoundTrips() throws {
        let request = Consent_V1_Request(
            method: "/consent.v1.Health/Check", deadlineMs: 250,
            metadata: [.init(key: "x-user", value: "ø"), .init(key: "", value: "")],
            payload: [1, 2, 3, 0, 255]
        )
        let frame = Consent_V1_Frame(callId: 7, kind: .request(request))
        let bytes = frame.serializedBytes()
        #expect(bytes.count == frame.serializedSize)
        let back = try Consent_V1_Frame(serializedBytes: bytes)
        #expect(back == frame)
    }
}
