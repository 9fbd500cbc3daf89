import ConsentProto
import Foundation
import Synchronization
import Testing
@testable import ConsentCLI

/// `--json` output of messages: proto3's JSON mapping, found by reflection.
@Suite struct OutputTests {
    static func json(_ message: some ProtoMessage) throws -> [String: Any] {
        let text = Output.jsonText(ProtoJSON.value(message))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func oneofMembersAreInlineAndBytesAreBase64() throws {
        var request = Consent_V1_Request()
        request.method = "/consent.v1.Health/Check"
        request.deadlineMs = 5000
        request.payload = [0x08, 0x01, 0xFF]
        request.metadata = [Consent_V1_MetadataEntry(key: "a", value: "1"), Consent_V1_MetadataEntry(key: "a", value: "2")]
        var frame = Consent_V1_Frame()
        frame.callId = 7
        frame.kind = .request(request)
        let object = try Self.json(frame)
        #expect(object["callId"] as? Int == 7)
        #expect(object["kind"] == nil, "the oneof is not a level of its own")
        let inner = try #require(object["request"] as? [String: Any])
        #expect(inner["method"] as? String == "/consent.v1.Health/Check")
        #expect(inner["deadlineMs"] as? Int == 5000)
        #expect(inner["payload"] as? String == "CAH/")
        #expect((inner["metadata"] as? [[String: String]])?.map { $0["value"]! } == ["1", "2"])
    }

    @Test func sixtyFourBitIntegersAreStringsAndEnumsAreNames() throws {
        var frame = Consent_V1_Frame()
        frame.kind = .ping(Consent_V1_Ping(data: UInt64.max))
        #expect((try Self.json(frame)["ping"] as? [String: Any])?["data"] as? String == "18446744073709551615")
        frame.kind = .goAway(Consent_V1_GoAway(code: .frameTooLarge, reason: "big"))
        let goAway = try #require(try Self.json(frame)["goAway"] as? [String: Any])
        #expect(goAway["code"] as? String == "GO_AWAY_CODE_FRAME_TOO_LARGE")
        #expect(Output.jsonText(ProtoJSON.value(Consent_V1_HealthCheckResponse.ServingStatus.unrecognized(9))) == "\"9\"")
    }

    @Test func emptyOneofIsLeftOutAndEmptyMessagesAreObjects() throws {
        #expect(try Self.json(Consent_V1_Frame()).keys.sorted() == ["callId"])
        var frame = Consent_V1_Frame()
        frame.kind = .cancel(Consent_V1_Cancel())
        #expect((try Self.json(frame)["cancel"] as? [String: Any])?.isEmpty == true)
    }

    @Test func nestedListsOfMessages() throws {
        var stats = Consent_V1_HealthStatsResponse()
        stats.uptimeMs = 1234
        stats.eventLoops = 2
        stats.methods = [Consent_V1_MethodStats(method: "/a", calls: 3, errors: 0)]
        let object = try Self.json(stats)
        #expect(object["uptimeMs"] as? String == "1234" && object["eventLoops"] as? Int == 2)
        #expect((object["methods"] as? [[String: Any]])?.first?["calls"] as? String == "3")
    }

    @Test func humanOrJSONGoesToTheOutputsWriter() {
        let lines = Mutex<[String]>([])
        let human = Output(json: false) { line in lines.withLock { $0.append(line) } }
        human.emit(Consent_V1_HealthCheckResponse(status: .serving)) { $0.status.protoName }
        human.emit(human: "", json: [:])  // nothing for an empty human text
        let json = Output(json: true) { line in lines.withLock { $0.append(line) } }
        json.emit(human: "x", json: ["b": 1, "a": [1.5]])
        #expect(lines.withLock { $0 } == ["SERVING", "{\n  \"a\" : [\n    1.5\n  ],\n  \"b\" : 1\n}"])
    }
}
