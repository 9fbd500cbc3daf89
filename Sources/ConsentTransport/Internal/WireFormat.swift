import ConsentRPC
import ConsentProto

/// The hot path's codec of `consent.v1.Frame` (Proto/consent/v1/rpc.proto),
/// written by hand against the protobuf wire format so that a call costs no
/// intermediate message tree: requests are parsed in place in the frame
/// decoder's buffer and answers are encoded straight into the connection's
/// output buffer. Tests check it against libprotobuf-c (ConsentProto) both ways.
///
/// Decoding follows protobuf's rules: unknown fields are skipped, the last of
/// a repeated scalar wins. Where libprotobuf-c is lax, both this codec and
/// ConsentProto's decoder apply the strict rules of `ProtoWireCheck` instead
/// (docs/PROTOCOL.md §2): a field number above 2^29 − 1, a `uint32` wider than
/// 32 bits, or a string that is not UTF-8 without NUL makes the frame
/// undecodable. Where libprotobuf-c is stricter than protobuf, this codec
/// follows it: a tag or a length written in more than 5 bytes, and a varint
/// wider than 64 bits, make the frame undecodable (`Reader`). One rule is this
/// codec's own: a Frame that sets `kind` more than once is undecodable
/// (protobuf merges or takes the last member; no client sends it).
enum Wire {
    enum Kind: UInt8 {
        case request = 2
        case response = 3
        case streamMessage = 4
        case cancel = 5
        case ping = 6
        case pong = 7
        case goAway = 8
    }

    /// The bytes are not a valid Frame encoding.
    struct DecodeError: Error, Sendable, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// Views into the frame body; valid only inside `withFrame`'s closure.
    struct RequestView {
        var method: UnsafeRawBufferPointer
        var deadlineMs: UInt32
        var payload: UnsafeRawBufferPointer
        /// The Request body, rescanned for metadata entries when there are any.
        var body: UnsafeRawBufferPointer
        var metadataCount: Int
        /// The encoded size of the metadata entries, keys and values together.
        var metadataBytes: Int = 0
    }

    struct ResponseView {
        var statusCode: UInt32
        var message: UnsafeRawBufferPointer
        var payload: UnsafeRawBufferPointer
        var body: UnsafeRawBufferPointer
        var trailerCount: Int
    }

    enum FrameView {
        case request(RequestView)
        case response(ResponseView)
        case streamMessage(payload: UnsafeRawBufferPointer)
        case cancel
        case ping(UInt64)
        case pong(UInt64)
        case goAway(code: Int32, reason: UnsafeRawBufferPointer)
        /// No member of `kind` was set.
        case empty
    }

    // MARK: Reading primitives

    private struct Reader {
        let base: UnsafeRawPointer?
        let end: Int
        var index = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            base = bytes.baseAddress
            end = bytes.count
        }

        var atEnd: Bool { index >= end }

        @inline(__always)
        mutating func varint() throws(DecodeError) -> UInt64 {
            guard let base else { throw DecodeError(reason: "truncated varint") }
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < end {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index += 1
                if shift == 63 && byte > 1 { throw DecodeError(reason: "varint overflows 64 bits") }
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
                if shift > 63 { throw DecodeError(reason: "varint longer than 10 bytes") }
            }
            throw DecodeError(reason: "truncated varint")
        }

        /// A tag or a length: libprotobuf-c reads at most 5 bytes of either
        /// (a `uint32` tag, a length below 2^31) and refuses a longer one,
        /// even when the value would fit (padded with `80`s); so does this codec.
        @inline(__always)
        mutating func shortVarint(_ what: StaticString) throws(DecodeError) -> UInt64 {
            let start = index
            let value = try varint()
            guard index - start <= 5 else { throw DecodeError(reason: "\(what) written in more than 5 bytes") }
            return value
        }

        @inline(__always)
        mutating func lengthDelimited() throws(DecodeError) -> UnsafeRawBufferPointer {
            let length = try shortVarint("length")
            guard length <= UInt64(end - index) else { throw DecodeError(reason: "length-delimited field runs past the end") }
            let slice = UnsafeRawBufferPointer(start: base.map { $0 + index }, count: Int(length))
            index += Int(length)
            return slice
        }

        /// Skips a field of an unknown number.
        mutating func skip(wireType: UInt64) throws(DecodeError) {
            switch wireType {
            case 0: _ = try varint()
            case 1:
                guard end - index >= 8 else { throw DecodeError(reason: "truncated fixed64") }
                index += 8
            case 2: _ = try lengthDelimited()
            case 5:
                guard end - index >= 4 else { throw DecodeError(reason: "truncated fixed32") }
                index += 4
            default: throw DecodeError(reason: "unsupported wire type \(wireType)")
            }
        }

        /// The next tag as (field number, wire type).
        @inline(__always)
        mutating func tag() throws(DecodeError) -> (UInt64, UInt64) {
            let tag = try shortVarint("tag")
            let field = tag >> 3
            guard field != 0 else { throw DecodeError(reason: "field number 0") }
            guard field <= ProtoWireCheck.maximumFieldNumber else {
                throw DecodeError(reason: "field number \(field) is above protobuf's maximum \(ProtoWireCheck.maximumFieldNumber)")
            }
            return (field, tag & 7)
        }

        /// A `uint32` field's value: refused, not truncated, when wider.
        @inline(__always)
        mutating func uint32(_ what: StaticString) throws(DecodeError) -> UInt32 {
            let value = try varint()
            guard value <= UInt64(UInt32.max) else { throw DecodeError(reason: "\(what) does not fit in 32 bits (\(value))") }
            return UInt32(value)
        }

        /// A `string` field's bytes: UTF-8 without NUL.
        @inline(__always)
        mutating func string(_ what: StaticString) throws(DecodeError) -> UnsafeRawBufferPointer {
            let bytes = try lengthDelimited()
            guard ProtoWireCheck.isCleanUTF8(bytes) else { throw DecodeError(reason: "\(what) is not valid UTF-8 without NUL") }
            return bytes
        }
    }

    @inline(__always)
    private static func expect(_ wireType: UInt64, _ wanted: UInt64, _ what: StaticString) throws(DecodeError) {
        if wireType != wanted { throw DecodeError(reason: "\(what) has wire type \(wireType)") }
    }

    // MARK: Decoding

    /// Parses one frame body and lends its view to `body`.
    static func withFrame<R>(
        _ bytes: UnsafeRawBufferPointer, _ body: (UInt32, FrameView) -> R
    ) throws(DecodeError) -> R {
        var reader = Reader(bytes)
        var callID: UInt32 = 0
        var kind: Kind? = nil
        var kindBytes = UnsafeRawBufferPointer(start: nil, count: 0)
        while !reader.atEnd {
            let (field, wireType) = try reader.tag()
            switch field {
            case 1:
                try expect(wireType, 0, "Frame.call_id")
                callID = try reader.uint32("Frame.call_id")
            case 2...8:
                try expect(wireType, 2, "Frame.kind")
                // Protobuf would merge a member given twice and let a later
                // member replace an earlier one unread; libprotobuf-c keeps
                // the last occurrence alone. No client sends either, and each
                // reading lets bytes mean two things: refused (PROTOCOL.md §2).
                guard kind == nil else { throw DecodeError(reason: "Frame.kind set more than once") }
                kindBytes = try reader.lengthDelimited()
                kind = Kind(rawValue: UInt8(field))!
            default:
                try reader.skip(wireType: wireType)
            }
        }
        guard let kind else { return body(callID, .empty) }
        return try body(callID, parseKind(kind, kindBytes))
    }

    private static func parseKind(_ kind: Kind, _ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> FrameView {
        var reader = Reader(bytes)
        switch kind {
        case .request:
            var view = RequestView(method: .init(start: nil, count: 0), deadlineMs: 0, payload: .init(start: nil, count: 0), body: bytes, metadataCount: 0)
            while !reader.atEnd {
                let (field, wireType) = try reader.tag()
                switch field {
                case 1:
                    try expect(wireType, 2, "Request.method")
                    view.method = try reader.string("Request.method")
                case 2:
                    try expect(wireType, 0, "Request.deadline_ms")
                    view.deadlineMs = try reader.uint32("Request.deadline_ms")
                case 3:
                    try expect(wireType, 2, "Request.metadata")
                    let entry = try reader.lengthDelimited()
                    try validateEntry(entry)
                    view.metadataCount += 1
                    view.metadataBytes += entry.count
                case 4:
                    try expect(wireType, 2, "Request.payload")
                    view.payload = try reader.lengthDelimited()
                default: try reader.skip(wireType: wireType)
                }
            }
            return .request(view)
        case .response:
            var view = ResponseView(statusCode: 0, message: .init(start: nil, count: 0), payload: .init(start: nil, count: 0), body: bytes, trailerCount: 0)
            while !reader.atEnd {
                let (field, wireType) = try reader.tag()
                switch field {
                case 1:
                    try expect(wireType, 0, "Response.status_code")
                    view.statusCode = try reader.uint32("Response.status_code")
                case 2:
                    try expect(wireType, 2, "Response.status_message")
                    view.message = try reader.string("Response.status_message")
                case 3:
                    try expect(wireType, 2, "Response.payload")
                    view.payload = try reader.lengthDelimited()
                case 4:
                    try expect(wireType, 2, "Response.trailers")
                    try validateEntry(try reader.lengthDelimited())
                    view.trailerCount += 1
                default: try reader.skip(wireType: wireType)
                }
            }
            return .response(view)
        case .streamMessage:
            var payload = UnsafeRawBufferPointer(start: nil, count: 0)
            while !reader.atEnd {
                let (field, wireType) = try reader.tag()
                if field == 1 {
                    try expect(wireType, 2, "StreamMessage.payload")
                    payload = try reader.lengthDelimited()
                } else {
                    try reader.skip(wireType: wireType)
                }
            }
            return .streamMessage(payload: payload)
        case .cancel:
            while !reader.atEnd {
                let (_, wireType) = try reader.tag()
                try reader.skip(wireType: wireType)
            }
            return .cancel
        case .ping, .pong:
            var data: UInt64 = 0
            while !reader.atEnd {
                let (field, wireType) = try reader.tag()
                if field == 1 {
                    try expect(wireType, 0, "Ping.data")
                    data = try reader.varint()
                } else {
                    try reader.skip(wireType: wireType)
                }
            }
            return kind == .ping ? .ping(data) : .pong(data)
        case .goAway:
            var code: Int32 = 0
            var reason = UnsafeRawBufferPointer(start: nil, count: 0)
            while !reader.atEnd {
                let (field, wireType) = try reader.tag()
                switch field {
                case 1:
                    try expect(wireType, 0, "GoAway.code")
                    code = Int32(truncatingIfNeeded: try reader.varint())
                case 2:
                    try expect(wireType, 2, "GoAway.reason")
                    reason = try reader.string("GoAway.reason")
                default: try reader.skip(wireType: wireType)
                }
            }
            return .goAway(code: code, reason: reason)
        }
    }

    private static func validateEntry(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) {
        var reader = Reader(bytes)
        while !reader.atEnd {
            let (field, wireType) = try reader.tag()
            if field == 1 || field == 2 {
                try expect(wireType, 2, "MetadataEntry field")
                _ = try reader.string(field == 1 ? "MetadataEntry.key" : "MetadataEntry.value")
            } else {
                try reader.skip(wireType: wireType)
            }
        }
    }

    /// The metadata entries (field `number`) of a Request or Response body,
    /// already validated by `withFrame`.
    static func metadata(in body: UnsafeRawBufferPointer, field number: UInt64) -> Metadata {
        var metadata = Metadata()
        var reader = Reader(body)
        while !reader.atEnd {
            guard let (field, wireType) = try? reader.tag() else { break }
            if field == number, wireType == 2, let entry = try? reader.lengthDelimited() {
                var key = ""
                var value = ""
                var inner = Reader(entry)
                while !inner.atEnd {
                    guard let (f, w) = try? inner.tag() else { break }
                    if (f == 1 || f == 2), w == 2, let s = try? inner.lengthDelimited() {
                        if f == 1 { key = string(s) } else { value = string(s) }
                    } else if (try? inner.skip(wireType: w)) == nil {
                        break
                    }
                }
                metadata.add(key, value)
            } else if (try? reader.skip(wireType: wireType)) == nil {
                break
            }
        }
        return metadata
    }

    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func bytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        bytes.isEmpty ? [] : Array(bytes)
    }

    // MARK: Encoding

    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        // 1 + floor(bits / 7), with 0 taking one byte.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    @inline(__always)
    private static func fieldSize(length: Int) -> Int { 1 + varintSize(UInt64(length)) + length }

    @inline(__always)
    private static func utf8Count(_ s: String) -> Int { s.utf8.count }

    private static func entriesSize(_ metadata: Metadata) -> Int {
        var total = 0
        for (key, value) in metadata {
            total += fieldSize(length: entrySize(key, value))
        }
        return total
    }

    private static func entrySize(_ key: String, _ value: String) -> Int {
        let k = utf8Count(key)
        let v = utf8Count(value)
        return (k > 0 ? fieldSize(length: k) : 0) + (v > 0 ? fieldSize(length: v) : 0)
    }

    private static func writeEntries(_ metadata: Metadata, field: UInt8, into buffer: inout ByteBuffer) {
        for (key, value) in metadata {
            buffer.writeByte(field << 3 | 2)
            buffer.writeVarint(UInt64(entrySize(key, value)))
            if !key.isEmpty {
                buffer.writeByte(0x0A)
                buffer.writeVarint(UInt64(utf8Count(key)))
                buffer.writeString(key)
            }
            if !value.isEmpty {
                buffer.writeByte(0x12)
                buffer.writeVarint(UInt64(utf8Count(value)))
                buffer.writeString(value)
            }
        }
    }

    /// Writes the length prefix and the Frame header (call_id, kind tag and
    /// length) for a kind body of `kindSize` bytes. - Returns: the frame body size.
    @inline(__always)
    private static func writeHeader(callID: UInt32, kind: Kind, kindSize: Int, extra: Int, into buffer: inout ByteBuffer) -> Int {
        let frameSize = (callID != 0 ? 1 + varintSize(UInt64(callID)) : 0) + fieldSize(length: kindSize)
        buffer.reserve(4 + frameSize + extra)
        buffer.writeUInt32BigEndian(UInt32(frameSize))
        if callID != 0 {
            buffer.writeByte(0x08)
            buffer.writeVarint(UInt64(callID))
        }
        buffer.writeByte(kind.rawValue << 3 | 2)
        buffer.writeVarint(UInt64(kindSize))
        return frameSize
    }

    /// The size of a Response frame body, to check it against the frame limit before encoding.
    static func responseFrameSize(callID: UInt32, result: CallResult) -> Int {
        let size = responseSize(result)
        return (callID != 0 ? 1 + varintSize(UInt64(callID)) : 0) + fieldSize(length: size)
    }

    private static func responseSize(_ result: CallResult) -> Int {
        var size = 0
        if result.code.rawValue != 0 { size += 1 + varintSize(UInt64(result.code.rawValue)) }
        let m = utf8Count(result.message)
        if m > 0 { size += fieldSize(length: m) }
        if !result.payload.isEmpty { size += fieldSize(length: result.payload.count) }
        if !result.trailers.isEmpty { size += entriesSize(result.trailers) }
        return size
    }

    static func writeResponse(callID: UInt32, result: CallResult, into buffer: inout ByteBuffer) {
        let size = responseSize(result)
        _ = writeHeader(callID: callID, kind: .response, kindSize: size, extra: 0, into: &buffer)
        if result.code.rawValue != 0 {
            buffer.writeByte(0x08)
            buffer.writeVarint(UInt64(result.code.rawValue))
        }
        let m = utf8Count(result.message)
        if m > 0 {
            buffer.writeByte(0x12)
            buffer.writeVarint(UInt64(m))
            buffer.writeString(result.message)
        }
        if !result.payload.isEmpty {
            buffer.writeByte(0x1A)
            buffer.writeVarint(UInt64(result.payload.count))
            buffer.writeBytes(result.payload)
        }
        if !result.trailers.isEmpty { writeEntries(result.trailers, field: 4, into: &buffer) }
    }

    static func streamMessageFrameSize(callID: UInt32, payloadCount: Int) -> Int {
        let size = payloadCount > 0 ? fieldSize(length: payloadCount) : 0
        return (callID != 0 ? 1 + varintSize(UInt64(callID)) : 0) + fieldSize(length: size)
    }

    static func writeStreamMessage(callID: UInt32, payload: [UInt8], into buffer: inout ByteBuffer) {
        let size = payload.isEmpty ? 0 : fieldSize(length: payload.count)
        _ = writeHeader(callID: callID, kind: .streamMessage, kindSize: size, extra: 0, into: &buffer)
        if !payload.isEmpty {
            buffer.writeByte(0x0A)
            buffer.writeVarint(UInt64(payload.count))
            buffer.writeBytes(payload)
        }
    }

    static func writePing(_ data: UInt64, pong: Bool, into buffer: inout ByteBuffer) {
        let size = data != 0 ? 1 + varintSize(data) : 0
        _ = writeHeader(callID: 0, kind: pong ? .pong : .ping, kindSize: size, extra: 0, into: &buffer)
        if data != 0 {
            buffer.writeByte(0x08)
            buffer.writeVarint(data)
        }
    }

    static func writeGoAway(code: Consent_V1_GoAwayCode, reason: String, into buffer: inout ByteBuffer) {
        let raw = UInt64(bitPattern: Int64(code.rawValue))
        let r = utf8Count(reason)
        let size = (raw != 0 ? 1 + varintSize(raw) : 0) + (r > 0 ? fieldSize(length: r) : 0)
        _ = writeHeader(callID: 0, kind: .goAway, kindSize: size, extra: 0, into: &buffer)
        if raw != 0 {
            buffer.writeByte(0x08)
            buffer.writeVarint(raw)
        }
        if r > 0 {
            buffer.writeByte(0x12)
            buffer.writeVarint(UInt64(r))
            buffer.writeString(reason)
        }
    }

    static func writeCancel(callID: UInt32, into buffer: inout ByteBuffer) {
        _ = writeHeader(callID: callID, kind: .cancel, kindSize: 0, extra: 0, into: &buffer)
    }

    static func requestFrameSize(callID: UInt32, method: String, deadlineMs: UInt32, metadata: Metadata, payloadCount: Int) -> Int {
        let size = requestSize(method: method, deadlineMs: deadlineMs, metadata: metadata, payloadCount: payloadCount)
        return (callID != 0 ? 1 + varintSize(UInt64(callID)) : 0) + fieldSize(length: size)
    }

    private static func requestSize(method: String, deadlineMs: UInt32, metadata: Metadata, payloadCount: Int) -> Int {
        var size = 0
        let m = utf8Count(method)
        if m > 0 { size += fieldSize(length: m) }
        if deadlineMs != 0 { size += 1 + varintSize(UInt64(deadlineMs)) }
        if !metadata.isEmpty { size += entriesSize(metadata) }
        if payloadCount > 0 { size += fieldSize(length: payloadCount) }
        return size
    }

    static func writeRequest(callID: UInt32, method: String, deadlineMs: UInt32, metadata: Metadata, payload: [UInt8], into buffer: inout ByteBuffer) {
        let size = requestSize(method: method, deadlineMs: deadlineMs, metadata: metadata, payloadCount: payload.count)
        _ = writeHeader(callID: callID, kind: .request, kindSize: size, extra: 0, into: &buffer)
        let m = utf8Count(method)
        if m > 0 {
            buffer.writeByte(0x0A)
            buffer.writeVarint(UInt64(m))
            buffer.writeString(method)
        }
        if deadlineMs != 0 {
            buffer.writeByte(0x10)
            buffer.writeVarint(UInt64(deadlineMs))
        }
        if !metadata.isEmpty { writeEntries(metadata, field: 3, into: &buffer) }
        if !payload.isEmpty {
            buffer.writeByte(0x22)
            buffer.writeVarint(UInt64(payload.count))
            buffer.writeBytes(payload)
        }
    }
}
