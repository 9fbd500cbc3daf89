internal import CProtobufC

/// What the generated code provides for each message so that `ProtoBridge`
/// can hand it to libprotobuf-c.
protocol CBridgedMessage: ProtoMessage {
    /// The protoc-c descriptor of the message (static storage in CConsentProto).
    static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> { get }

    /// Builds the C form of the message tree in `arena` and lends it to `body`.
    func withCMessage<R>(in arena: ProtoArena, _ body: (UnsafePointer<ProtobufCMessage>) -> R) -> R

    /// Copies an unpacked C message into a Swift value.
    static func fromCMessage(_ message: UnsafeMutablePointer<ProtobufCMessage>) -> Self
}

/// Packing and unpacking through libprotobuf-c. Every C allocation made on the
/// way lives in a `ProtoArena` and is released when the call returns, on every
/// path, so no pointer outlives the call.
enum ProtoBridge {
    static func packedSize<M: CBridgedMessage>(_ message: M) -> Int {
        ProtoArena.withScratch { arena in
            message.withCMessage(in: arena) { protobuf_c_message_get_packed_size($0) }
        }
    }

    static func pack<M: CBridgedMessage>(_ message: M, appendingTo buffer: inout [UInt8]) {
        ProtoArena.withScratch { arena in
            message.withCMessage(in: arena) { c in
                let size = protobuf_c_message_get_packed_size(c)
                guard size > 0 else { return }
                let start = buffer.count
                buffer.append(contentsOf: repeatElement(0, count: size))
                let written = buffer.withUnsafeMutableBufferPointer { out in
                    protobuf_c_message_pack(c, out.baseAddress! + start)
                }
                precondition(written == size, "protobuf-c packed \(written) bytes, announced \(size)")
            }
        }
    }

    static func unpack<M: CBridgedMessage>(
        _ type: M.Type, from bytes: UnsafeRawBufferPointer
    ) throws(ProtoDecodingError) -> M {
        // The strict rules libprotobuf-c does not apply (field numbers, 32-bit
        // values, UTF-8): see ProtoWireCheck.
        if ProtoWireCheck.check(bytes, descriptor: M.cDescriptor, strict: true, maxElements: nil) != nil {
            throw ProtoDecodingError(messageName: String(describing: M.self))
        }
        let decoded: M? = ProtoArena.withScratch { arena in
            arena.withCAllocator { allocator -> M? in
                let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
                // protobuf-c never reads through the pointer when the length is 0,
                // but it must not be NULL for a non-empty buffer.
                guard bytes.count == 0 || base != nil else { return nil }
                guard let message = protobuf_c_message_unpack(M.cDescriptor, allocator, bytes.count, base) else {
                    return nil
                }
                // Everything `message` points to lives in the arena: no free_unpacked.
                return M.fromCMessage(message)
            }
        }
        guard let decoded else { throw ProtoDecodingError(messageName: String(describing: M.self)) }
        return decoded
    }

    /// A C string as a Swift string (already checked to be valid UTF-8 by `unpack`;
    /// a message built in Swift and packed is repaired if it was not).
    static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }
}
