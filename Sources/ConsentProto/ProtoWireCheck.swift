internal import CProtobufC

/// What `ProtoWireCheck` found wrong with an encoding.
public enum ProtoWireProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not a valid encoding under the rules in `ProtoWireCheck` (the reason says which).
    case malformed(String)
    /// One repeated field of one message holds more than `limit` elements
    /// (the walk stopped at the first one over).
    case tooManyElements(field: String, limit: Int)

    public var description: String {
        switch self {
        case .malformed(let reason): reason
        case .tooManyElements(let field, let limit): "field \(field) has more than \(limit) elements"
        }
    }
}

/// A walk over a message's encoding, guided by its descriptor, that decodes
/// nothing: tags and lengths only, plus the checks below. It runs before
/// libprotobuf-c sees the bytes.
///
/// **Strict rules** (every `init(serializedBytes:)` applies them, and so does
/// the transport's hand-written `Frame` codec, so the two agree; docs/PROTOCOL.md §2):
/// - a field number above 2^29 − 1 (protobuf's maximum) is malformed, not an
///   unknown field to skip (libprotobuf-c alone would skip numbers up to 2^32 − 1);
/// - a `uint32` field whose varint does not fit in 32 bits is malformed, not
///   truncated (libprotobuf-c alone would keep the low 32 bits: a `deadline_ms`
///   of 2^32 + 1500 would become 1.5 s);
/// - a `string` field must be valid UTF-8 (proto3's rule; libprotobuf-c does
///   not check) without NUL (libprotobuf-c's strings end at the first NUL, so
///   the value would silently be cut there).
///
/// **Element limit** (`maxElements`): the router refuses a request with more
/// elements in one repeated field than a batch may hold before decoding it,
/// at the cost of reading a thousand tags, instead of building millions of
/// strings first (review: one 3.8 MB frame of 1.9 million empty entries held
/// its event loop for 100–300 ms).
public enum ProtoWireCheck {
    /// protobuf's largest field number.
    public static let maximumFieldNumber: UInt64 = (1 << 29) - 1

    /// Checks `bytes` as an encoding of `type`.
    /// - Parameters:
    ///   - strict: apply the strict rules above.
    ///   - maxElements: the most elements one repeated field of one message
    ///     may hold, at any depth; nil for no limit.
    /// - Returns: nil when the bytes pass, else the first problem found.
    public static func check<M: ProtoMessage>(
        _ bytes: UnsafeRawBufferPointer, as type: M.Type, strict: Bool = true, maxElements: Int? = nil
    ) -> ProtoWireProblem? {
        guard let bridged = type as? any CBridgedMessage.Type else { return nil }
        return check(bytes, descriptor: bridged.cDescriptor, strict: strict, maxElements: maxElements)
    }

    /// `check` with the descriptor at hand (the bridge's unpack: no dynamic cast).
    static func check(
        _ bytes: UnsafeRawBufferPointer, descriptor: UnsafePointer<ProtobufCMessageDescriptor>, strict: Bool, maxElements: Int?
    ) -> ProtoWireProblem? {
        guard !bytes.isEmpty else { return nil }
        return Walker(strict: strict, maxElements: maxElements ?? Int.max).walk(bytes, descriptor)
    }

    /// `check` over an array.
    public static func check<M: ProtoMessage>(
        _ bytes: [UInt8], as type: M.Type, strict: Bool = true, maxElements: Int? = nil
    ) -> ProtoWireProblem? {
        bytes.withUnsafeBytes { check($0, as: type, strict: strict, maxElements: maxElements) }
    }

    /// Whether `type`, or a message inside it, has a repeated field: the
    /// element limit has nothing to count otherwise.
    public static func hasRepeatedFields<M: ProtoMessage>(_ type: M.Type) -> Bool {
        guard let bridged = type as? any CBridgedMessage.Type else { return false }
        var seen: Set<UnsafeRawPointer> = []
        return hasRepeated(bridged.cDescriptor, seen: &seen)
    }

    private static func hasRepeated(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, seen: inout Set<UnsafeRawPointer>) -> Bool {
        guard seen.insert(UnsafeRawPointer(descriptor)).inserted else { return false }
        for i in 0..<Int(descriptor.pointee.n_fields) {
            let field = descriptor.pointee.fields[i]
            if field.label.rawValue == CType.repeated { return true }
            if field.type.rawValue == CType.message, let sub = field.descriptor {
                if hasRepeated(sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self), seen: &seen) { return true }
            }
        }
        return false
    }

    /// Whether `bytes` are valid UTF-8 without NUL (the strict rule for strings).
    /// ASCII, the common case (method names, keys), is checked eight bytes at a time.
    @inline(__always)
    public static func isCleanUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        var ascii = true
        while i + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A zero byte: (w - 0x01…) & ~w & 0x80… is non-zero (the classic test).
            if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { return false }
            if word & 0x8080_8080_8080_8080 != 0 { ascii = false }
            i += 8
        }
        while i < count {
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == 0 { return false }
            if byte >= 0x80 { ascii = false }
            i += 1
        }
        if ascii { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    private struct Walker {
        let strict: Bool
        let maxElements: Int

        func walk(_ bytes: UnsafeRawBufferPointer, _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> ProtoWireProblem? {
            // Counting needs a counter per field (on the stack); the strict
            // rules alone need none.
            let fieldCount = maxElements == Int.max ? 0 : Int(descriptor.pointee.n_fields)
            return withUnsafeTemporaryAllocation(of: Int.self, capacity: max(fieldCount, 1)) { counts -> ProtoWireProblem? in
                counts.initialize(repeating: 0)
                var reader = Reader(bytes)
                while !reader.atEnd {
                    guard let tag = reader.varint() else { return .malformed("truncated tag") }
                    let number = tag >> 3
                    let wireType = tag & 7
                    guard number != 0 else { return .malformed("field number 0") }
                    if strict && number > ProtoWireCheck.maximumFieldNumber {
                        return .malformed("field number \(number) is above protobuf's maximum \(ProtoWireCheck.maximumFieldNumber)")
                    }
                    let field = number <= UInt64(UInt32.max)
                        ? protobuf_c_message_descriptor_get_field(descriptor, UInt32(number)) : nil
                    switch wireType {
                    case 0:
                        guard let value = reader.varint() else { return .malformed("truncated varint") }
                        if let field {
                            if strict && field.pointee.type.rawValue == CType.uint32 && value > UInt64(UInt32.max) {
                                return .malformed("uint32 field \(Self.name(field)) has a value wider than 32 bits (\(value))")
                            }
                            if let problem = count(field, 1, descriptor, counts) { return problem }
                        }
                    case 1:
                        guard reader.skip(8) else { return .malformed("truncated fixed64") }
                        if let field, let problem = count(field, 1, descriptor, counts) { return problem }
                    case 5:
                        guard reader.skip(4) else { return .malformed("truncated fixed32") }
                        if let field, let problem = count(field, 1, descriptor, counts) { return problem }
                    case 2:
                        guard let body = reader.lengthDelimited() else { return .malformed("length-delimited field runs past the end") }
                        guard let field else { continue }
                        if let problem = lengthDelimited(field, body, descriptor, counts) { return problem }
                    default:
                        return .malformed("unsupported wire type \(wireType)")
                    }
                }
                return nil
            }
        }

        private func lengthDelimited(
            _ field: UnsafePointer<ProtobufCFieldDescriptor>, _ body: UnsafeRawBufferPointer,
            _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, _ counts: UnsafeMutableBufferPointer<Int>
        ) -> ProtoWireProblem? {
            let type = field.pointee.type.rawValue
            switch type {
            case CType.string:
                if strict && !ProtoWireCheck.isCleanUTF8(body) {
                    return .malformed("string field \(Self.name(field)) is not valid UTF-8 without NUL")
                }
                return count(field, 1, descriptor, counts)
            case CType.bytes:
                return count(field, 1, descriptor, counts)
            case CType.message:
                if let problem = count(field, 1, descriptor, counts) { return problem }
                guard let sub = field.pointee.descriptor else { return nil }
                return walk(body, sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self))
            default:
                // A packed run of scalars: count (and for uint32 check) each.
                guard field.pointee.label.rawValue == CType.repeated else { return nil }
                var elements = 0
                switch type {
                case CType.fixed32, CType.sfixed32, CType.float:
                    guard body.count % 4 == 0 else { return .malformed("packed field \(Self.name(field)) is not a whole number of 4-byte values") }
                    elements = body.count / 4
                case CType.fixed64, CType.sfixed64, CType.double:
                    guard body.count % 8 == 0 else { return .malformed("packed field \(Self.name(field)) is not a whole number of 8-byte values") }
                    elements = body.count / 8
                default:
                    var inner = Reader(body)
                    while !inner.atEnd {
                        guard let value = inner.varint() else { return .malformed("truncated varint in packed field \(Self.name(field))") }
                        if strict && type == CType.uint32 && value > UInt64(UInt32.max) {
                            return .malformed("uint32 field \(Self.name(field)) has a value wider than 32 bits (\(value))")
                        }
                        elements += 1
                        if elements > maxElements { break }
                    }
                }
                return count(field, elements, descriptor, counts)
            }
        }

        /// Adds `n` elements to a repeated field's count in this message.
        @inline(__always)
        private func count(
            _ field: UnsafePointer<ProtobufCFieldDescriptor>, _ n: Int,
            _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, _ counts: UnsafeMutableBufferPointer<Int>
        ) -> ProtoWireProblem? {
            guard maxElements != Int.max, field.pointee.label.rawValue == CType.repeated else { return nil }
            let index = UnsafePointer(descriptor.pointee.fields).distance(to: field)
            counts[index] += n
            return counts[index] > maxElements ? .tooManyElements(field: Self.name(field), limit: maxElements) : nil
        }

        static func name(_ field: UnsafePointer<ProtobufCFieldDescriptor>) -> String {
            field.pointee.name.map { String(cString: $0) } ?? "#\(field.pointee.id)"
        }
    }

    /// The raw values of protobuf-c's `ProtobufCLabel` and `ProtobufCType`
    /// (protobuf-c.h; the enums are anonymous, so Swift sees no named constants).
    private enum CType {
        static let repeated: UInt32 = 2  // PROTOBUF_C_LABEL_REPEATED
        static let sfixed32: UInt32 = 2, sfixed64: UInt32 = 5, uint32: UInt32 = 6, fixed32: UInt32 = 7, fixed64: UInt32 = 9
        static let float: UInt32 = 10, double: UInt32 = 11, string: UInt32 = 14, bytes: UInt32 = 15, message: UInt32 = 16
    }

    /// Varints and lengths over a buffer; nil/false when the bytes run out.
    private struct Reader {
        let base: UnsafeRawPointer?
        let end: Int
        var index = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            base = bytes.baseAddress
            end = bytes.count
        }

        var atEnd: Bool { index >= end }

        mutating func varint() -> UInt64? {
            guard let base else { return nil }
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < end {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                index += 1
                if shift == 63 && byte > 1 { return nil }
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
                if shift > 63 { return nil }
            }
            return nil
        }

        mutating func skip(_ n: Int) -> Bool {
            guard end - index >= n else { return false }
            index += n
            return true
        }

        mutating func lengthDelimited() -> UnsafeRawBufferPointer? {
            guard let length = varint(), length <= UInt64(end - index) else { return nil }
            let slice = UnsafeRawBufferPointer(start: base.map { $0 + index }, count: Int(length))
            index += Int(length)
            return slice
        }
    }
}
