import ConsentCore
import ConsentRPC

extension FuzzTarget {
    /// The length-prefix `FrameDecoder` (ConsentRPC): the same byte stream fed
    /// whole, one byte at a time through `writableSpace`/`didWrite` (as the
    /// transport reads), and in random pieces must give exactly the frames and
    /// the end (more bytes needed, or a length over the limit) that a plain
    /// reading of the stream gives.
    ///
    /// Input: one byte choosing the limit and the initial capacity (small ones,
    /// so growth, compaction and refusals happen at fuzzing sizes), then the stream.
    public static let frameDecoder = FuzzTarget("FuzzFrameDecoder") { input throws(FuzzFailure) in
        guard let setup = input.first else { return }
        let stream = Array(input.dropFirst())
        let maxFrameSize = [16, 300, 4096, FrameLimits.defaultMaxFrameSize][Int(setup & 3)]
        let initialCapacity = [4, 16, 64, 16 * 1024][Int(setup >> 2 & 3)]
        let expected = FrameStreamOutcome(reading: stream, maxFrameSize: maxFrameSize)

        var whole = FrameDecoder(maxFrameSize: maxFrameSize, initialCapacity: initialCapacity)
        whole.append(stream)
        var outcome = FrameStreamOutcome()
        outcome.drain(&whole)
        try expected.require(outcome, whole.bufferedByteCount, "the stream fed whole", stream)

        var bytewise = FrameDecoder(maxFrameSize: maxFrameSize, initialCapacity: initialCapacity)
        outcome = FrameStreamOutcome()
        for byte in stream where outcome.refusal == nil {
            let space = bytewise.writableSpace(minimum: 1)
            guard space.count >= 1 else { throw FuzzFailure("writableSpace(minimum: 1) gave \(space.count) bytes") }
            space[0] = byte
            bytewise.didWrite(1)
            outcome.drain(&bytewise)
        }
        try expected.require(outcome, bytewise.bufferedByteCount, "the stream fed byte by byte", stream)

        var random = SplitMix64(seed: fnv1a(input))
        var pieces = FrameDecoder(maxFrameSize: maxFrameSize, initialCapacity: initialCapacity)
        outcome = FrameStreamOutcome()
        var offset = 0
        while offset < stream.count, outcome.refusal == nil {
            // Mostly small pieces, sometimes large ones: TLS records are up to 16 KiB.
            let limit = random.next() % 4 == 0 ? 20_000 : 12
            let size = min(stream.count - offset, 1 + Int(random.next() % UInt64(limit)))
            if random.next() & 1 == 0 {
                pieces.append(Array(stream[offset..<offset + size]))
            } else {
                // Read into the decoder's own buffer, filling less than it offers.
                let space = pieces.writableSpace(minimum: size)
                guard space.count >= size else { throw FuzzFailure("writableSpace(minimum: \(size)) gave \(space.count) bytes") }
                for i in 0..<size { space[i] = stream[offset + i] }
                pieces.didWrite(size)
            }
            offset += size
            outcome.drain(&pieces)
        }
        try expected.require(outcome, pieces.bufferedByteCount, "the stream fed in random pieces", stream)
    }
}

/// The frames a stream holds and how it ends.
struct FrameStreamOutcome: Equatable {
    var frames: [[UInt8]] = []
    /// The announced length that was over the limit, if the stream had one.
    var refusal: UInt32? = nil
    /// Bytes after the last whole frame (when not refused).
    var leftover = 0

    init() {}

    /// The reference: the stream read as PROTOCOL.md §2 describes it, all at once.
    init(reading stream: [UInt8], maxFrameSize: Int) {
        var offset = 0
        while stream.count - offset >= 4 {
            let length = stream[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if length > maxFrameSize {
                refusal = length
                return
            }
            guard stream.count - offset - 4 >= Int(length) else { break }
            frames.append(Array(stream[offset + 4..<offset + 4 + Int(length)]))
            offset += 4 + Int(length)
        }
        leftover = stream.count - offset
    }

    /// Takes every whole frame the decoder has, and its refusal if it throws.
    mutating func drain(_ decoder: inout FrameDecoder) {
        while refusal == nil {
            do {
                guard let frame = try decoder.nextFrame() else { return }
                frames.append(Array(frame))
            } catch {
                switch error {
                case .frameTooLarge(let length, _): refusal = length
                }
            }
        }
    }

    func require(_ actual: FrameStreamOutcome, _ buffered: Int, _ how: String, _ stream: [UInt8]) throws(FuzzFailure) {
        guard actual.frames == frames, actual.refusal == refusal else {
            throw FuzzFailure("""
                \(how): \(actual.frames.count) frames (sizes \(actual.frames.prefix(8).map(\.count))), refusal \(actual.refusal.map(String.init) ?? "none"); \
                expected \(frames.count) frames (sizes \(frames.prefix(8).map(\.count))), refusal \(refusal.map(String.init) ?? "none"); stream \(hex(stream))
                """)
        }
        if refusal == nil, buffered != leftover {
            throw FuzzFailure("\(how): \(buffered) bytes buffered after the last frame, expected \(leftover); stream \(hex(stream))")
        }
    }
}

/// FNV-1a: a stable seed for the random pieces, so a saved input replays the same way.
func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}
