internal import COpenSSL

/// SHA-256 through OpenSSL's EVP interface.
public enum SHA256 {
    /// The length of a digest in bytes.
    public static let digestCount = 32

    /// Hashes `bytes` in one call.
    /// - Returns: the 32-byte digest.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: digestCount) { output, initialised in
            hash(bytes, into: UnsafeMutableRawBufferPointer(output))
            initialised = digestCount
        }
    }

    /// Hashes any byte sequence (an array, a `String.UTF8View`, a slice).
    /// - Returns: the 32-byte digest.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }

    /// Hashes the UTF-8 bytes of `text`.
    /// - Returns: the 32-byte digest.
    public static func hash(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// Hashes `bytes` into the first 32 bytes of `output`, without allocating.
    ///
    /// - Important: `output` must hold at least 32 bytes.
    public static func hash(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= digestCount, "a SHA-256 digest needs 32 bytes")
        var length: UInt32 = 0
        // EVP_Digest can fail only if memory runs out inside OpenSSL; a digest
        // that silently stays zero would be far worse than stopping.
        let status = EVP_Digest(
            bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), bytes.count,
            output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length,
            FetchedDigest.sha256.pointer, nil
        )
        guard status == 1, length == UInt32(digestCount) else {
            fatalError("\(OpenSSLError.drain("computing SHA-256"))")
        }
    }
}
