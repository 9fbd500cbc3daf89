import ConsentProto

/// Writes frames as `uint32 big-endian length | serialized Frame`.
public enum FrameEncoder {
    /// Appends one length-prefixed frame to `buffer` and returns the body's size.
    /// The body is serialized straight into the buffer and the prefix patched
    /// afterwards, so the message is packed once.
    @discardableResult
    public static func append(_ frame: Consent_V1_Frame, to buffer: inout [UInt8]) -> Int {
        let start = buffer.count
        buffer.append(contentsOf: [0, 0, 0, 0])
        frame.serialize(appendingTo: &buffer)
        let length = buffer.count - start - FrameLimits.prefixSize
        precondition(length <= UInt32.max)
        buffer[start] = UInt8(truncatingIfNeeded: length >> 24)
        buffer[start + 1] = UInt8(truncatingIfNeeded: length >> 16)
        buffer[start + 2] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[start + 3] = UInt8(truncatingIfNeeded: length)
        return length
    }

    /// One length-prefixed frame as bytes.
    public static func encode(_ frame: Consent_V1_Frame) -> [UInt8] {
        var out: [UInt8] = []
        append(frame, to: &out)
        return out
    }
}
