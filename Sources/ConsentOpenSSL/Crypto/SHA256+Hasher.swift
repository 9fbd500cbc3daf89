internal import COpenSSL

extension SHA256 {
    /// An incremental SHA-256: feed bytes with `update`, read the digest once
    /// with `finalize`.
    ///
    /// - Important: A hasher is for one thread at a time and one digest; after
    ///   `finalize` it starts over empty.
    public final class Hasher {
        private let context: OwnedDigestContext

        /// Starts an empty digest.
        public init() {
            guard let raw = EVP_MD_CTX_new() else {
                fatalError("\(OpenSSLError.drain("allocating an EVP_MD_CTX"))")
            }
            context = OwnedDigestContext(takingOwnershipOf: raw)
            reset()
        }

        /// Adds `bytes` to the digest.
        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard EVP_DigestUpdate(context.pointer, bytes.baseAddress, bytes.count) == 1 else {
                fatalError("\(OpenSSLError.drain("updating SHA-256"))")
            }
        }

        /// Adds any byte sequence to the digest.
        public func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
            if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) == nil {
                Array(bytes).withUnsafeBytes { update($0) }
            }
        }

        /// Returns the digest of everything added, and starts over.
        /// - Returns: the 32-byte digest.
        public func finalize() -> [UInt8] {
            let digest = [UInt8](unsafeUninitializedCapacity: SHA256.digestCount) { output, initialised in
                var length: UInt32 = 0
                guard EVP_DigestFinal_ex(context.pointer, output.baseAddress, &length) == 1,
                      length == UInt32(SHA256.digestCount) else {
                    fatalError("\(OpenSSLError.drain("finishing SHA-256"))")
                }
                initialised = SHA256.digestCount
            }
            reset()
            return digest
        }

        private func reset() {
            guard EVP_DigestInit_ex(context.pointer, FetchedDigest.sha256.pointer, nil) == 1 else {
                fatalError("\(OpenSSLError.drain("initialising SHA-256"))")
            }
        }
    }
}
