import Foundation
import Testing
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

@Suite("Bad input gets GoAway, then close; other clients are unaffected")
struct ProtocolErrorTests {
    static func expectGoAway(_ bytes: [UInt8], code: Consent_V1_GoAwayCode, server: TestServer, reason: String? = nil) throws {
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        raw.write(bytes)
        let (frames, closed) = raw.readUntilClosed()
        #expect(goAwayCode(frames) == code, "frames: \(frames)")
        if let reason, case .goAway(let g)? = frames.last?.kind {
            #expect(g.reason == reason)
        }
        #expect(closed)
    }

    static func frame(_ body: [UInt8]) -> [UInt8] {
        let n = UInt32(body.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + body
    }

    @Test("each kind of bad input")
    func badInputs() async throws {
        let server = try TestServer(loops: 2)
        // A healthy client on the same server throughout.
        let bystander = try server.client()
        var random = SystemRandomNumberGenerator()
        let junk = (0..<2000).map { _ in UInt8.random(in: 0...255, using: &random) }

        try Self.expectGoAway([0xFF, 0xFF, 0xFF, 0xFF] + junk, code: .frameTooLarge, server: server,
                              reason: "frame of 4294967295 bytes exceeds the limit of 4194304 bytes")
        try Self.expectGoAway(Self.frame([0x12, 0x05, 0x01]), code: .protocolError, server: server)  // truncated Request
        try Self.expectGoAway(Self.frame([0xFF, 0xFF, 0xFF]), code: .protocolError, server: server)  // truncated varint tag
        try Self.expectGoAway(Self.frame([]), code: .protocolError, server: server, reason: "frame without a kind")
        try Self.expectGoAway(FrameEncoder.encode(requestFrame(callID: 0, method: TestMethod.echo)), code: .protocolError,
                              server: server, reason: "Request with call_id 0")
        try Self.expectGoAway(
            FrameEncoder.encode(Consent_V1_Frame(callId: 1, kind: .response(Consent_V1_Response(statusCode: 0)))),
            code: .protocolError, server: server, reason: "a client must not send Response frames")
        try Self.expectGoAway(
            FrameEncoder.encode(Consent_V1_Frame(callId: 1, kind: .streamMessage(Consent_V1_StreamMessage()))),
            code: .protocolError, server: server)
        // The same call id twice while the first is open.
        try Self.expectGoAway(
            FrameEncoder.encode(requestFrame(callID: 5, method: TestMethod.never))
                + FrameEncoder.encode(requestFrame(callID: 5, method: TestMethod.never)),
            code: .protocolError, server: server, reason: "Request for call_id 5, which is already open")
        // Random bytes straight after the handshake.
        try Self.expectGoAway(Self.frame([0x0A]) + junk, code: .protocolError, server: server)

        #expect(bystander.call(TestMethod.echo, [42]).payload == [42])
        #expect(server.server.stats.protocolErrors >= 9)
        // The open call of the duplicate-id connection was ended by the transport.
        #expect(server.recorder.waitForTerminations(count: 1).count >= 1)
        // A new client is served normally.
        let next = try server.client()
        #expect(next.call(TestMethod.echo, [43]).payload == [43])
        next.close()
        bystander.close()
        await server.shutdown()
    }

    @Test("a client GoAway ends its calls and closes the connection")
    func clientGoAway() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        raw.send(requestFrame(callID: 1, method: TestMethod.never))
        server.recorder.waitForNever(count: 1)
        raw.send(Consent_V1_Frame(callId: 0, kind: .goAway(Consent_V1_GoAway(code: .noError, reason: "bye"))))
        let (_, closed) = raw.readUntilClosed()
        #expect(closed)
        #expect(server.recorder.waitForTerminations(count: 1) == [.cancelled])
        await server.shutdown()
    }

    @Test("unknown fields are skipped and a Request split byte by byte still works")
    func unknownFieldsAndSplits() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        var body = Consent_V1_Frame(callId: 9, kind: .request(Consent_V1_Request(method: TestMethod.echo, payload: [1, 2, 3]))).serializedBytes()
        body += [0xF8, 0x07, 0x01]  // field 127, varint 1: unknown
        for byte in Self.frame(body) { raw.write([byte]) }
        let frames = raw.readFrames(1)
        guard case .response(let r)? = frames.first?.kind else {
            Issue.record("no response")
            return
        }
        #expect(frames.first?.callId == 9)
        #expect(r.payload == [1, 2, 3])
        await server.shutdown()
    }
}

@Suite("Metadata is bounded before anyone reads it")
struct MetadataLimitTests {
    static func call(_ raw: RawTLSClient, callID: UInt32, entries: Int, valueBytes: Int = 0) -> Consent_V1_Response? {
        var request = Consent_V1_Request(method: TestMethod.echo, payload: [7])
        request.metadata = (0..<entries).map { Consent_V1_MetadataEntry(key: "k\($0)", value: String(repeating: "v", count: valueBytes)) }
        raw.send(Consent_V1_Frame(callId: callID, kind: .request(request)))
        guard case .response(let response)? = raw.readFrames(1).first?.kind else { return nil }
        return response
    }

    @Test("too many entries, or too many bytes, refuse the call with RESOURCE_EXHAUSTED; the connection goes on")
    func limits() async throws {
        let server = try TestServer(loops: 1)
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))

        let atLimit = Self.call(raw, callID: 1, entries: FrameLimits.maxMetadataEntries)
        #expect(atLimit?.statusCode == 0 && atLimit?.payload == [7], "\(String(describing: atLimit))")

        let tooMany = Self.call(raw, callID: 2, entries: FrameLimits.maxMetadataEntries + 1)
        #expect(tooMany?.statusCode == UInt32(StatusCode.resourceExhausted.rawValue))
        #expect(tooMany?.statusMessage.contains("65 entries") == true, "\(tooMany?.statusMessage ?? "")")

        let tooBig = Self.call(raw, callID: 3, entries: 2, valueBytes: FrameLimits.maxMetadataBytes / 2)
        #expect(tooBig?.statusCode == UInt32(StatusCode.resourceExhausted.rawValue))

        // Two million empty entries in one 4 MiB frame: refused at once, not parsed into strings.
        var flood = Consent_V1_Request(method: TestMethod.echo, payload: [8])
        flood.metadata = Array(repeating: Consent_V1_MetadataEntry(), count: 1_000_000)
        raw.send(Consent_V1_Frame(callId: 4, kind: .request(flood)))
        guard case .response(let floodAnswer)? = raw.readFrames(1).first?.kind else {
            Issue.record("no answer to the flood")
            return
        }
        #expect(floodAnswer.statusCode == UInt32(StatusCode.resourceExhausted.rawValue))

        let after = Self.call(raw, callID: 5, entries: 1)
        #expect(after?.payload == [7], "the connection still serves")
        await server.shutdown()
    }
}
