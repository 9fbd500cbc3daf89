import ConsentProto
import Testing
@testable import ConsentRPC

/// Feeds a stream to a decoder in the given splits and returns every frame body.
private func decode(_ stream: [UInt8], splits: [Int], maxFrameSize: Int = FrameLimits.defaultMaxFrameSize) throws -> [[UInt8]] {
    var decoder = FrameDecoder(maxFrameSize: maxFrameSize, initialCapacity: 64)
    var frames: [[UInt8]] = []
    var offset = 0
    var splitIndex = 0
    while offset < stream.count {
        let size = min(splits.isEmpty ? stream.count : splits[splitIndex % splits.count], stream.count - offset)
        splitIndex += 1
        stream[offset..<offset + size].withUnsafeBytes { decoder.append($0) }
        offset += size
        while let body = try decoder.nextFrame() {
            frames.append(Array(body))
        }
    }
    #expect(decoder.bufferedByteCount == 0, "bytes left over after the last frame")
    return frames
}

private func prefixed(_ body: [UInt8]) -> [UInt8] {
    let n = UInt32(body.count)
    return [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + body
}

/// A deterministic generator so a failing random case can be replayed.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct FrameDecoderTests {
    let bodies: [[UInt8]] = [[], [1], Array(0..<200).map(UInt8.init), [9, 9, 9], Array(repeating: 0xAB, count: 5000)]

    var stream: [UInt8] { bodies.flatMap(prefixed) }

    @Test func byteByByteDeliveryYieldsEveryFrame() throws {
        #expect(try decode(stream, splits: [1]) == bodies)
    }

    @Test func manyFramesInOneReadYieldEveryFrame() throws {
        #expect(try decode(stream, splits: []) == bodies)
    }

    @Test(arguments: [2, 3, 4, 5, 7, 63, 64, 65, 1000])
    func fixedSplitsYieldEveryFrame(size: Int) throws {
        #expect(try decode(stream, splits: [size]) == bodies)
    }

    @Test func randomSplitsYieldEveryFrame() throws {
        var rng = SplitMix(state: 42)
        for _ in 0..<200 {
            let splits = (0..<8).map { _ in Int.random(in: 1...700, using: &rng) }
            #expect(try decode(stream, splits: splits) == bodies)
        }
    }

    @Test func zeroLengthFrameIsAnEmptyBody() throws {
        #expect(try decode([0, 0, 0, 0], splits: [1]) == [[]])
    }

    @Test func maximumLengthFrameIsAccepted() throws {
        let body = [UInt8](repeating: 7, count: 1024)
        #expect(try decode(prefixed(body), splits: [333], maxFrameSize: 1024) == [body])
    }

    @Test func oneByteOverTheLimitIsRefusedBeforeTheBodyArrives() throws {
        var decoder = FrameDecoder(maxFrameSize: 1024)
        decoder.append([0, 0, 4, 1])  // 1025, and no body at all
        #expect(throws: FrameError.frameTooLarge(length: 1025, limit: 1024)) { try decoder.nextFrame() }
    }

    @Test func hugeLengthPrefixIsRefusedWithoutBuffering() throws {
        var decoder = FrameDecoder()
        decoder.append([0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(throws: FrameError.frameTooLarge(length: UInt32.max, limit: FrameLimits.defaultMaxFrameSize)) {
            try decoder.nextFrame()
        }
    }

    @Test func incompletePrefixAndBodyWaitForMoreBytes() throws {
        var decoder = FrameDecoder()
        decoder.append([0, 0])
        #expect(try decoder.nextFrame() == nil)
        decoder.append([0, 3, 1, 2])
        #expect(try decoder.nextFrame() == nil)
        decoder.append([3])
        #expect(try decoder.nextFrame().map(Array.init) == [1, 2, 3])
    }

    @Test func randomBytesNeverCrashAndOnlyFailWithFrameTooLarge() throws {
        var rng = SplitMix(state: 7)
        for _ in 0..<500 {
            let garbage = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var decoder = FrameDecoder(maxFrameSize: 256, initialCapacity: 16)
            decoder.append(garbage)
            do {
                while let body = try decoder.nextFrame() {
                    // Whatever frames come out must parse or fail cleanly as protobuf.
                    _ = try? Consent_V1_Frame(serializedBytes: body)
                }
            } catch {
                guard case .frameTooLarge(let length, 256) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(length > 256)
            }
        }
    }

    @Test func encoderOutputDecodesToTheSameFrames() throws {
        let frames: [Consent_V1_Frame] = [
            .init(callId: 1, kind: .request(.init(method: "/consent.v1.Health/Check", deadlineMs: 10, payload: [1]))),
            .init(callId: 0, kind: .ping(.init(data: 99))),
            .init(callId: 1, kind: .response(.init(statusCode: 7, statusMessage: "no"))),
            .init(callId: 0, kind: .goAway(.init(code: .protocolError, reason: "bad"))),
            .init(),
        ]
        var stream: [UInt8] = []
        for frame in frames { FrameEncoder.append(frame, to: &stream) }
        let decoded = try decode(stream, splits: [5]).map { try Consent_V1_Frame(serializedBytes: $0) }
        #expect(decoded == frames)
    }
}

@Suite struct StatusAndDeadlineTests {
    @Test func statusCodesHaveGRPCNamesAndNumbers() {
        #expect(StatusCode.allDefined.count == 17)
        #expect(StatusCode.permissionDenied.rawValue == 7 && StatusCode.permissionDenied.name == "PERMISSION_DENIED")
        #expect(StatusCode.unauthenticated.rawValue == 16)
        #expect(StatusCode(name: "deadline_exceeded") == .deadlineExceeded)
        #expect(StatusCode(name: "14") == .unavailable)
        #expect(StatusCode(rawValue: 99).name == "CODE_99")
        #expect(StatusCode(name: "NOPE") == nil)
    }

    @Test func deadlineTravelsAsRemainingTime() {
        let now = MonotonicInstant(nanoseconds: 1_000_000_000)
        #expect(Deadline.fromWire(milliseconds: 0, now: now) == nil)
        let deadline = Deadline.fromWire(milliseconds: 250, now: now)!
        #expect(deadline.wireMilliseconds(now: now) == 250)
        #expect(deadline.wireMilliseconds(now: now.adding(nanoseconds: 249_500_000)) == 1)
        #expect(deadline.wireMilliseconds(now: now.adding(milliseconds: 300)) == 1, "a passed deadline must not become 'none'")
        #expect(!deadline.hasPassed(now: now.adding(milliseconds: 249)))
        #expect(deadline.hasPassed(now: now.adding(milliseconds: 250)))
    }

    @Test func metadataKeysAreCaseInsensitiveAndRepeatable() {
        var metadata: Metadata = ["X-User-Id": "a"]
        metadata.add("x-user-id", "b")
        #expect(metadata["X-USER-ID"] == "a")
        #expect(metadata.values(for: "x-user-id") == ["a", "b"])
        metadata.set("x-user-id", "c")
        #expect(metadata.values(for: "x-user-id") == ["c"])
        metadata.set("x-user-id", nil)
        #expect(metadata.isEmpty)
    }
}
