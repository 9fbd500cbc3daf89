import Testing
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// The hand-written codec against libprotobuf-c (ConsentProto), both ways.
@Suite("Wire codec matches protobuf-c")
struct WireFormatTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomString(_ rng: inout Rng) -> String {
        let n = Int.random(in: 0...20, using: &rng)
        return String((0..<n).map { _ in Array("abcé/._-xyz🙂")[Int.random(in: 0..<12, using: &rng)] })
    }

    static func randomMetadata(_ rng: inout Rng) -> [Consent_V1_MetadataEntry] {
        (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            Consent_V1_MetadataEntry(key: randomString(&rng).lowercased(), value: randomString(&rng))
        }
    }

    static func randomBytes(_ rng: inout Rng) -> [UInt8] {
        let n = [0, 1, 5, 127, 128, 300][Int.random(in: 0..<6, using: &rng)]
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    func decode(_ encoded: [UInt8]) throws -> Consent_V1_Frame {
        var decoder = FrameDecoder()
        decoder.append(encoded)
        let body = try #require(try decoder.nextFrame())
        return try Consent_V1_Frame(serializedBytes: body)
    }

    @Test("frames written by Wire decode with protobuf-c to the same values")
    func encodeMatches() throws {
        var rng = Rng(state: 42)
        for _ in 0..<300 {
            let callID = [0, 1, 127, 128, UInt32.max][Int.random(in: 0..<5, using: &rng)]
            var buffer = ByteBuffer(capacity: 64)
            let trailers = Self.randomMetadata(&rng)
            var metadata = Metadata()
            for t in trailers { metadata.add(t.key, t.value) }
            let code = StatusCode(rawValue: UInt32.random(in: 0...16, using: &rng))
            let message = Self.randomString(&rng)
            let payload = Self.randomBytes(&rng)
            Wire.writeResponse(callID: callID, result: CallResult(code: code, message: message, payload: payload, trailers: metadata), into: &buffer)
            #expect(Wire.responseFrameSize(callID: callID, result: CallResult(code: code, message: message, payload: payload, trailers: metadata)) == buffer.readableBytes - 4)
            let method = Self.randomString(&rng)
            let deadline = UInt32.random(in: 0...100_000, using: &rng)
            Wire.writeRequest(callID: callID, method: method, deadlineMs: deadline, metadata: metadata, payload: payload, into: &buffer)
            Wire.writeStreamMessage(callID: callID, payload: payload, into: &buffer)
            let data = UInt64.random(in: 0...UInt64.max, using: &rng)
            Wire.writePing(data, pong: true, into: &buffer)
            Wire.writeGoAway(code: .frameTooLarge, reason: message, into: &buffer)
            Wire.writeCancel(callID: callID, into: &buffer)

            var decoder = FrameDecoder()
            decoder.append(buffer.copyReadable())
            var frames: [Consent_V1_Frame] = []
            while let body = try decoder.nextFrame() { frames.append(try Consent_V1_Frame(serializedBytes: body)) }
            #expect(frames == [
                Consent_V1_Frame(callId: callID, kind: .response(Consent_V1_Response(statusCode: code.rawValue, statusMessage: message, payload: payload, trailers: trailers))),
                Consent_V1_Frame(callId: callID, kind: .request(Consent_V1_Request(method: method, deadlineMs: deadline, metadata: trailers, payload: payload))),
                Consent_V1_Frame(callId: callID, kind: .streamMessage(Consent_V1_StreamMessage(payload: payload))),
                Consent_V1_Frame(callId: 0, kind: .pong(Consent_V1_Pong(data: data))),
                Consent_V1_Frame(callId: 0, kind: .goAway(Consent_V1_GoAway(code: .frameTooLarge, reason: message))),
                Consent_V1_Frame(callId: callID, kind: .cancel(Consent_V1_Cancel())),
            ])
        }
    }

    /// Decodes with Wire into protobuf-c's value types, for comparison.
    static func wireDecode(_ body: [UInt8]) throws -> Consent_V1_Frame {
        try body.withUnsafeBytes { bytes in
            try Wire.withFrame(bytes) { callID, view -> Consent_V1_Frame in
                var frame = Consent_V1_Frame(callId: callID)
                switch view {
                case .request(let r):
                    let md = Wire.metadata(in: r.body, field: 3).map { Consent_V1_MetadataEntry(key: $0.key, value: $0.value) }
                    frame.kind = .request(Consent_V1_Request(method: Wire.string(r.method), deadlineMs: r.deadlineMs, metadata: md, payload: Wire.bytes(r.payload)))
                case .response(let r):
                    let md = Wire.metadata(in: r.body, field: 4).map { Consent_V1_MetadataEntry(key: $0.key, value: $0.value) }
                    frame.kind = .response(Consent_V1_Response(statusCode: r.statusCode, statusMessage: Wire.string(r.message), payload: Wire.bytes(r.payload), trailers: md))
                case .streamMessage(let p): frame.kind = .streamMessage(Consent_V1_StreamMessage(payload: Wire.bytes(p)))
                case .cancel: frame.kind = .cancel(Consent_V1_Cancel())
                case .ping(let d): frame.kind = .ping(Consent_V1_Ping(data: d))
                case .pong(let d): frame.kind = .pong(Consent_V1_Pong(data: d))
                case .goAway(let code, let reason): frame.kind = .goAway(Consent_V1_GoAway(code: Consent_V1_GoAwayCode(rawValue: code), reason: Wire.string(reason)))
                case .empty: break
                }
                return frame
            }
        }
    }

    @Test("frames written by protobuf-c decode with Wire to the same values")
    func decodeMatches() throws {
        var rng = Rng(state: 7)
        for _ in 0..<300 {
            let callID = UInt32.random(in: 0...UInt32.max, using: &rng)
            let kinds: [Consent_V1_Frame.OneOf_Kind?] = [
                .request(Consent_V1_Request(method: Self.randomString(&rng), deadlineMs: UInt32.random(in: 0...9999, using: &rng), metadata: Self.randomMetadata(&rng), payload: Self.randomBytes(&rng))),
                .response(Consent_V1_Response(statusCode: UInt32.random(in: 0...16, using: &rng), statusMessage: Self.randomString(&rng), payload: Self.randomBytes(&rng), trailers: Self.randomMetadata(&rng))),
                .streamMessage(Consent_V1_StreamMessage(payload: Self.randomBytes(&rng))),
                .cancel(Consent_V1_Cancel()),
                .ping(Consent_V1_Ping(data: UInt64.random(in: 0...UInt64.max, using: &rng))),
                .pong(Consent_V1_Pong(data: UInt64.random(in: 0...UInt64.max, using: &rng))),
                .goAway(Consent_V1_GoAway(code: Consent_V1_GoAwayCode(rawValue: Int32.random(in: 0...3, using: &rng)), reason: Self.randomString(&rng))),
                nil,
            ]
            for kind in kinds {
                let frame = Consent_V1_Frame(callId: callID, kind: kind)
                #expect(try Self.wireDecode(frame.serializedBytes()) == frame)
            }
        }
    }

    @Test("a oneof member given twice is refused, not merged (PROTOCOL.md §2)")
    func memberTwice() throws {
        // The spec (and Google's libraries) would merge these into one call,
        // protobuf-c keeps only the last; nobody sends it, so the transport refuses it.
        let a = Consent_V1_Frame(callId: 3, kind: .request(Consent_V1_Request(method: "/a/B", payload: [1]))).serializedBytes()
        let b = Consent_V1_Frame(callId: 3, kind: .request(Consent_V1_Request(deadlineMs: 9))).serializedBytes()
        #expect(throws: Wire.DecodeError.self) { try Self.wireDecode(a + b) }
    }

    @Test("malformed bodies are rejected, never crash")
    func malformed() {
        let cases: [[UInt8]] = [
            [0x08],  // truncated varint
            [0x12, 0x05, 0x01],  // length past the end
            [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // varint too long
            [0x00, 0x01],  // field 0
            [0x0B],  // group start (wire type 3)
            [0x10, 0x01],  // Frame field 2 (Request) as a varint
            [0x12, 0x02, 0x10, 0xFF],  // Request.deadline_ms truncated
        ]
        for body in cases {
            #expect(throws: Wire.DecodeError.self) { try Self.wireDecode(body) }
        }
    }

    @Test("the worked example of docs/PROTOCOL.md §12, byte for byte")
    func protocolDocExample() throws {
        func hex(_ s: String) -> [UInt8] { s.split(separator: " ").map { UInt8($0, radix: 16)! } }
        var buffer = ByteBuffer(capacity: 64)
        Wire.writeRequest(callID: 1, method: "/consent.v1.Health/Check", deadlineMs: 5000, metadata: Metadata(), payload: Consent_V1_HealthCheckRequest().serializedBytes(), into: &buffer)
        #expect(buffer.copyReadable() == hex("00 00 00 21 08 01 12 1d 0a 18 2f 63 6f 6e 73 65 6e 74 2e 76 31 2e 48 65 61 6c 74 68 2f 43 68 65 63 6b 10 88 27"))
        buffer.removeAll()
        var answer = Consent_V1_HealthCheckResponse()
        answer.status = .serving
        Wire.writeResponse(callID: 1, result: .success(answer.serializedBytes()), into: &buffer)
        #expect(buffer.copyReadable() == hex("00 00 00 08 08 01 1a 04 1a 02 08 01"))
        buffer.removeAll()
        Wire.writePing(42, pong: false, into: &buffer)
        Wire.writePing(42, pong: true, into: &buffer)
        #expect(buffer.copyReadable() == hex("00 00 00 04 32 02 08 2a 00 00 00 04 3a 02 08 2a"))
        buffer.removeAll()
        Wire.writeGoAway(code: .noError, reason: "server is shutting down", into: &buffer)
        #expect(buffer.copyReadable() == hex("00 00 00 1b 42 19 12 17") + Array("server is shutting down".utf8))
    }

    @Test("varint sizes")
    func varintSizes() {
        var buffer = ByteBuffer(capacity: 16)
        for value: UInt64 in [0, 1, 127, 128, 16383, 16384, UInt64(UInt32.max), UInt64.max] {
            let before = buffer.readableBytes
            buffer.writeVarint(value)
            #expect(buffer.readableBytes - before == Wire.varintSize(value))
            buffer.reserve(16)
        }
    }
}

@Suite("Connection state machine")
struct StateMachineTests {
    @Test("handshake, drain with calls, last call closes, flush lingers, close")
    func drainPath() {
        var m = ConnectionStateMachine()
        let r1 = m.handshakeCompleted(hasPrincipal: true)
        #expect(r1 == .becomeActive)
        #expect(m.requestReceived() == .dispatch)
        let r2 = m.drain(openCalls: 2)
        #expect(r2 == .send(code: .noError, endCalls: false, close: false))
        #expect(m.state == .draining)
        #expect(m.requestReceived() == .refuseShuttingDown)
        let r3 = m.callEnded(openCalls: 1)
        #expect(!r3)
        let r4 = m.callEnded(openCalls: 0)
        #expect(r4)
        #expect(m.state == .closing)
        #expect(m.requestReceived() == .ignore)
        let r5 = m.outputFlushed()
        #expect(r5)
        #expect(m.state == .lingering)
        let r6 = m.closed()
        #expect(r6)
        let r7 = m.closed()
        #expect(!r7)
    }

    @Test("errors, refused identities and impossible transitions")
    func errorPaths() {
        var m = ConnectionStateMachine()
        let r8 = m.handshakeCompleted(hasPrincipal: false)
        #expect(r8 == .refuse(reason: "client certificate has no serialNumber or CN"))
        #expect(m.state == .closing)
        let r9 = m.fail(code: .protocolError)
        #expect(r9 == .ignore)

        var n = ConnectionStateMachine()
        let r10 = n.fail(code: .protocolError)
        #expect(r10 == .closeNow)  // no TLS channel yet

        var p = ConnectionStateMachine()
        _ = p.handshakeCompleted(hasPrincipal: true)
        let r11 = p.fail(code: .frameTooLarge)
        #expect(r11 == .send(code: .frameTooLarge, endCalls: true, close: true))
        let r12 = p.drain(openCalls: 0)
        #expect(r12 == .ignore)

        var q = ConnectionStateMachine()
        _ = q.handshakeCompleted(hasPrincipal: true)
        let r13 = q.handshakeCompleted(hasPrincipal: true)
        #expect(r13 == .ignore)
        if case .poisoned = q.state {} else { Issue.record("expected poisoned, got \(q.state)") }
        let r14 = q.closed()
        #expect(r14)
    }
}

@Suite("Call table")
struct CallTableTests {
    @Test("open, find and close stay consistent under churn; stale tokens miss")
    func churn() {
        var table = CallTable(limit: 1024)
        var open: [UInt32: CallToken] = [:]
        var rng = WireFormatTests.Rng(state: 1)
        var stale: [CallToken] = []
        for _ in 0..<20_000 {
            if open.count < 1024 && (open.isEmpty || Bool.random(using: &rng)) {
                var id = UInt32.random(in: 1...5000, using: &rng)
                while open[id] != nil { id = id % 5000 + 1 }
                let (_, token) = table.open(id)
                open[id] = token
            } else {
                let id = open.keys.randomElement(using: &rng)!
                let token = open.removeValue(forKey: id)!
                let slot = table.slot(for: token)!
                #expect(table.find(id) == slot)
                _ = table.close(slot, endedByTransport: nil)
                stale.append(token)
            }
        }
        #expect(table.openCount == open.count)
        for (id, token) in open { #expect(table.find(id) == table.slot(for: token)) }
        for token in stale.suffix(100) where open[token.callID]?.sequence != token.sequence {
            #expect(table.slot(for: token) == nil)
        }
    }
}
