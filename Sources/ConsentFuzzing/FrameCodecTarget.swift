import ConsentProto
import ConsentTransport

extension FuzzTarget {
    /// The hand-written `Frame` codec of the hot path (ConsentTransport's
    /// `Wire`) against libprotobuf-c (ConsentProto), which reads `rpc.proto`
    /// itself: for every frame body both accept with equal values or both
    /// refuse, except for the one deliberate difference PROTOCOL.md documents
    /// (`FrameCodecDifferences`: the hand codec refuses a `kind` set twice). And the other way: what the hand encoder
    /// writes for a frame protobuf-c read is byte for byte what protobuf-c
    /// writes, and both decoders read it back as the same frame.
    ///
    /// Input: one frame body (no length prefix).
    public static let frameCodec = FuzzTarget("FuzzFrameCodec") { body throws(FuzzFailure) in
        let hand = WireFuzzingSeam.decode(body)
        // The transport compares metadata keys in lower case (ConsentRPC's
        // `Metadata` stores them so); protobuf-c keeps them as sent.
        let reference = Result { () throws(ProtoDecodingError) in try Consent_V1_Frame(serializedBytes: body) }.map(lowercasingKeys)
        switch (hand, reference) {
        case (.success(let a), .success(let b)) where a == b:
            try requireEncodersAgree(b)
        case (.failure, .failure):
            break
        default:
            if FrameCodecDifferences.explain(body, hand: hand) != nil { return }
            let rules = FrameStrictRules.broken(by: body)
            throw FuzzFailure("""
                the codecs disagree on the frame body \(hex(body))\(rules.isEmpty ? "" : " (it has \(rules.sorted().joined(separator: ", ")))"):
                  hand codec:   \(describe(hand))
                  protobuf-c:   \(describe(reference))
                """)
        }
    }

    /// `frame` with its metadata and trailer keys in lower case.
    static func lowercasingKeys(_ frame: Consent_V1_Frame) -> Consent_V1_Frame {
        var frame = frame
        func lower(_ entries: inout [Consent_V1_MetadataEntry]) {
            for i in entries.indices { entries[i].key = entries[i].key.lowercased() }
        }
        switch frame.kind {
        case .request(var r):
            lower(&r.metadata)
            frame.kind = .request(r)
        case .response(var r):
            lower(&r.trailers)
            frame.kind = .response(r)
        default: break
        }
        return frame
    }

    /// The hand encoder against protobuf-c's for a frame both decoders read alike.
    private static func requireEncodersAgree(_ frame: Consent_V1_Frame) throws(FuzzFailure) {
        guard let written = WireFuzzingSeam.encode(frame) else { return }
        let body = Array(written.dropFirst(4))
        let prefix = written.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard written.count >= 4, prefix == body.count else {
            throw FuzzFailure("the hand encoder's length prefix \(prefix) does not match its \(body.count)-byte body for \(frame)")
        }
        let expected = frame.serializedBytes()
        guard body == expected else {
            throw FuzzFailure("""
                the encoders disagree on \(frame):
                  hand encoder: \(hex(body))
                  protobuf-c:   \(hex(expected))
                """)
        }
        let again = body.withUnsafeBytes { WireFuzzingSeam.decode($0) }
        guard case .success(let back) = again, back == frame else {
            throw FuzzFailure("the hand decoder reads its own encoding of \(frame) as \(describe(again))")
        }
    }

    private static func describe<E: Error>(_ result: Result<Consent_V1_Frame, E>) -> String {
        switch result {
        case .success(let frame): return "\(frame)"
        case .failure(let error): return "refused (\(error))"
        }
    }
}

/// Where the two Frame codecs may disagree, on purpose (docs/PROTOCOL.md §2):
/// nowhere but here. The transport's hardening settled what the first runs
/// found (field numbers above 2^29 − 1, `uint32` values wider than 32 bits,
/// strings that are not UTF-8 without NUL, field number 0 in a long tag, a
/// varint wider than 64 bits: both refuse), and the hand codec now refuses a
/// tag or a length written in more than 5 bytes as libprotobuf-c does
/// (FailCases/FuzzFrameCodec/*-longer-than-5-bytes*): on all of these the
/// fuzzer holds the codecs to agreement.
///
/// The one difference left is deliberate: a Frame that sets `kind` more than
/// once. libprotobuf-c keeps the last occurrence alone (`Response{status_code:
/// 767}` then `Response{}` is status 0); protobuf's spec would merge two of the
/// same member; the hand codec refuses the frame, since no client sends it and
/// either reading lets the same bytes mean two things
/// (FailCases/FuzzFrameCodec/oneof-*). It is allowed only in that direction:
/// the hand codec refuses for that reason, whatever libprotobuf-c does.
enum FrameCodecDifferences {
    /// The hand codec's reason for refusing a frame that sets `kind` twice.
    static let kindSetTwice = "Frame.kind set more than once"

    /// The deliberate difference that explains a disagreement on `body`, or
    /// nil when the codecs must agree.
    static func explain(_ body: UnsafeRawBufferPointer, hand: Result<Consent_V1_Frame, WireRefusal>) -> String? {
        guard case .failure(let refusal) = hand, refusal.reason == kindSetTwice,
              FrameStrictRules.kindOccurrences(in: body) > 1 else { return nil }
        return kindSetTwice
    }
}

/// A walk over a Frame body that finds which of the decoding rules of
/// PROTOCOL.md §2 it breaks, by the rules' own reading of the bytes,
/// independent of both codecs: a disagreement's report names them.
enum FrameStrictRules {
    static let fieldNumberAboveMaximum = "a field number above 2^29 - 1"
    static let wideUInt32 = "a uint32 field wider than 32 bits"
    static let uncleanString = "a string that is not UTF-8 without NUL"
    static let zeroFieldNumber = "a field number 0"
    static let varintOver64Bits = "a 10-byte varint wider than 64 bits"
    static let longVarint = "a tag or length longer than 5 bytes"

    private enum Field { case uint32, string, message([UInt64: Field]), other }

    private static let metadataEntry: [UInt64: Field] = [1: .string, 2: .string]
    private static let frame: [UInt64: Field] = [
        1: .uint32,
        2: .message([1: .string, 2: .uint32, 3: .message(metadataEntry)]),
        3: .message([1: .uint32, 2: .string, 4: .message(metadataEntry)]),
        4: .message([:]), 5: .message([:]), 6: .message([:]), 7: .message([:]),
        8: .message([2: .string]),
    ]

    /// How many times the body sets `kind` (fields 2 to 8, any of them).
    static func kindOccurrences(in body: UnsafeRawBufferPointer) -> Int {
        let bytes = Array(body)
        var index = 0
        var count = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.count {
            guard let tag = varint() else { break }
            switch tag & 7 {
            case 0: guard varint() != nil else { return count }
            case 1: index += 8
            case 5: index += 4
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - index) else { return count }
                if (2...8).contains(tag >> 3) { count += 1 }
                index += Int(length)
            default: return count
            }
        }
        return count
    }

    static func broken(by body: UnsafeRawBufferPointer) -> Set<String> {
        var found = Set<String>()
        walk(Array(body), frame, &found)
        return found
    }

    private static func walk(_ bytes: [UInt8], _ schema: [UInt64: Field], _ found: inout Set<String>) {
        var index = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                if shift == 63, byte > 1 { found.insert(varintOver64Bits) }
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        while index < bytes.count {
            let tagStart = index
            guard let tag = varint() else { return }
            if index - tagStart > 5 { found.insert(longVarint) }
            let number = tag >> 3
            if number > (1 << 29) - 1 { found.insert(fieldNumberAboveMaximum) }
            if number == 0 { found.insert(zeroFieldNumber) }
            switch tag & 7 {
            case 0:
                guard let value = varint() else { return }
                if case .uint32? = schema[number], value > UInt64(UInt32.max) { found.insert(wideUInt32) }
            case 1: index += 8
            case 5: index += 4
            case 2:
                let lengthStart = index
                guard let length = varint(), length <= UInt64(bytes.count - index) else { return }
                if index - lengthStart > 5 { found.insert(longVarint) }
                let field = Array(bytes[index..<index + Int(length)])
                index += Int(length)
                switch schema[number] {
                case .string?:
                    if field.contains(0) || String(validatingUTF8Bytes: field) == nil { found.insert(uncleanString) }
                case .message(let inner)?:
                    walk(field, inner, &found)
                default: break
                }
            default: return
            }
        }
    }
}

extension String {
    /// The bytes as a string if they are valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        self = text
    }
}
