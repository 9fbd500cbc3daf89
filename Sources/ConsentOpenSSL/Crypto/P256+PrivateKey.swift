internal import COpenSSL

extension P256 {
    /// A P-256 private key that signs with ECDSA/SHA-256.
    ///
    /// A value type over a shared, immutable OpenSSL key: copies are cheap and
    /// any number of threads may sign with one key at once.
    public struct PrivateKey: Sendable {
        let key: OwnedPKey
        /// The key as ECDSA signs with it (raw r‖s, no DER in between).
        private let ecKey: OwnedECKey
        /// The matching public key.
        public let publicKey: PublicKey

        /// Generates a new random key.
        /// - Throws: `OpenSSLError` if OpenSSL cannot generate one.
        public init() throws {
            guard let raw = chub_EVP_EC_gen_P256() else {
                throw OpenSSLError.drain("generating a P-256 key")
            }
            try self.init(owning: OwnedPKey(takingOwnershipOf: raw), "generating a P-256 key")
        }

        /// Loads a key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or the traditional
        /// SEC 1 form (`BEGIN EC PRIVATE KEY`, optionally after an
        /// `EC PARAMETERS` block as `openssl ecparam -genkey` writes it).
        ///
        /// - Throws: `OpenSSLError` if the text holds no unencrypted private key,
        ///   or a key that is not on P-256. Encrypted keys are refused rather
        ///   than prompting for a passphrase on the terminal.
        public init(pemRepresentation pem: String) throws {
            let operation = "loading a P-256 private key from PEM"
            let raw: OpaquePointer = try MemoryBIO.reading(Array(pem.utf8), operation) { bio in
                // A callback that supplies no passphrase: OpenSSL's default
                // would read one from the controlling terminal.
                guard let raw = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil) else {
                    throw OpenSSLError.drain(operation)
                }
                return raw
            }
            try self.init(owning: OwnedPKey(takingOwnershipOf: raw), operation)
        }

        /// Loads a key from a PEM file (see `init(pemRepresentation:)`).
        /// - Throws: `KeyFileError` if the file cannot be read, `OpenSSLError`
        ///   if it holds no usable key.
        public init(pemFile path: String) throws {
            try self.init(pemRepresentation: try KeyFile.read(path))
        }

        private init(owning key: OwnedPKey, _ operation: String) throws {
            try P256.requireP256(key, operation)
            self.key = key
            self.ecKey = try OwnedECKey(of: key, operation)
            let (x, y) = try P256.coordinates(of: key)
            self.publicKey = try PublicKey(x: x, y: y)
        }

        /// Exports the key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`).
        ///
        /// - Important: The text is the secret key: write it only to files with
        ///   mode 0600 (`KeyFile.write(_:to:mode:)` does).
        /// - Throws: `OpenSSLError` if OpenSSL cannot encode it.
        public func pemRepresentation() throws -> String {
            let bytes = try MemoryBIO.writing("exporting a P-256 private key") { bio in
                guard PEM_write_bio_PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil) == 1 else {
                    throw OpenSSLError.drain("exporting a P-256 private key")
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Signs `message` with ECDSA over its SHA-256 digest.
        ///
        /// Thread-safe. A fresh random nonce is drawn for every signature, so
        /// signing the same message twice gives two different valid signatures.
        /// - Returns: the 64-byte raw signature `r‖s`.
        /// - Throws: `OpenSSLError` if OpenSSL fails to sign.
        public func sign(_ message: UnsafeRawBufferPointer) throws -> [UInt8] {
            try withUnsafeTemporaryAllocation(byteCount: SHA256.digestCount, alignment: 1) { digest in
                SHA256.hash(message, into: digest)
                return try sign(digest: UnsafeRawBufferPointer(digest))
            }
        }

        /// Signs a message whose SHA-256 digest the caller has already taken
        /// (`SHA256.hash(_:into:)`): the same signature as `sign(_:)` of the
        /// message, for a caller that needs the digest for something else too.
        /// - Parameter digest: exactly 32 bytes.
        /// - Returns: the 64-byte raw signature `r‖s`.
        /// - Throws: `OpenSSLError` if OpenSSL fails to sign.
        public func sign(digest: UnsafeRawBufferPointer) throws -> [UInt8] {
            precondition(digest.count == SHA256.digestCount, "an ES256 digest has 32 bytes")
            var raw = try [UInt8](unsafeUninitializedCapacity: P256.rawSignatureCount) { output, initialised in
                guard chub_ECDSA_sign_raw(
                    ecKey.pointer, digest.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(digest.count), output.baseAddress!
                ) == 1 else {
                    throw OpenSSLError.drain("signing with ECDSA P-256")
                }
                initialised = P256.rawSignatureCount
            }
            P256.normaliseToLowS(&raw)
            return raw
        }

        /// Signs any byte sequence; see `sign(_:)` for buffers.
        /// - Returns: the 64-byte raw signature `r‖s`.
        /// - Throws: `OpenSSLError` if OpenSSL fails to sign.
        public func sign<Bytes: Sequence>(_ message: Bytes) throws -> [UInt8] where Bytes.Element == UInt8 {
            if let signature = try message.withContiguousStorageIfAvailable({ try sign(UnsafeRawBufferPointer($0)) }) {
                return signature
            }
            return try Array(message).withUnsafeBytes { try sign($0) }
        }
    }
}
