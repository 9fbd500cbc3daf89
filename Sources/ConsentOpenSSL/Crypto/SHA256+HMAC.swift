extension SHA256 {
    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`: a keyed hash that
    /// nobody without the key can compute or reverse, even for a message
    /// from a small set (an 11-digit national id).
    /// - Returns: the 32-byte tag.
    public static func hmac<Key: Collection, Message: Sequence>(key: Key, message: Message) -> [UInt8]
    where Key.Element == UInt8, Message.Element == UInt8 {
        // A key longer than the 64-byte block is hashed first; a shorter one is padded with zeros.
        var block = key.count > blockCount ? hash(key) : Array(key)
        block += [UInt8](repeating: 0, count: blockCount - block.count)
        let inner = Hasher()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        let outer = Hasher()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// SHA-256's block size in bytes.
    static let blockCount = 64
}
