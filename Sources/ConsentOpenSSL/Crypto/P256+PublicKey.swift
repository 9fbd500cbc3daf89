internal import COpenSSL

extension P256 {
    /// A P-256 public key that verifies ECDSA/SHA-256 signatures.
    ///
    /// Thread-safe like `PrivateKey`. Equal when the points are equal.
    public struct PublicKey: Sendable, Hashable {
        let key: OwnedPKey
        /// The key as ECDSA verifies with it (raw r‖s, no DER in between).
        private let ecKey: OwnedECKey
        /// The affine x coordinate, 32 bytes big-endian (JWK `x`).
        public let x: [UInt8]
        /// The affine y coordinate, 32 bytes big-endian (JWK `y`).
        public let y: [UInt8]

        /// The DER prefix of a P-256 SubjectPublicKeyInfo: SEQUENCE {
        /// AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, BIT STRING }
        /// up to the 65-byte uncompressed point that follows it.
        private static let subjectPublicKeyInfoPrefix: [UInt8] = [
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
            0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        ]

        /// Makes a key from its affine coordinates (JWK `x` and `y` decoded).
        /// - Throws: `OpenSSLError` if a coordinate is not 32 bytes or the point
        ///   is not on the curve.
        public init(x: [UInt8], y: [UInt8]) throws {
            let operation = "loading a P-256 public key from x and y"
            guard x.count == coordinateCount, y.count == coordinateCount else {
                throw OpenSSLError(operation: operation, details: ["x and y must be 32 bytes each"])
            }
            try self.init(derRepresentation: Self.subjectPublicKeyInfoPrefix + [0x04] + x + y)
        }

        /// Makes a key from a DER SubjectPublicKeyInfo.
        /// - Throws: `OpenSSLError` if the bytes are not a P-256 public key on the curve.
        public init(derRepresentation der: [UInt8]) throws {
            let operation = "loading a P-256 public key"
            let raw: OpaquePointer = try der.withUnsafeBufferPointer { buffer in
                var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
                guard let raw = d2i_PUBKEY(nil, &cursor, buffer.count) else {
                    throw OpenSSLError.drain(operation)
                }
                return raw
            }
            try self.init(owning: OwnedPKey(takingOwnershipOf: raw), operation)
        }

        /// Loads a key from PEM (`BEGIN PUBLIC KEY`).
        /// - Throws: `OpenSSLError` if the text holds no P-256 public key.
        public init(pemRepresentation pem: String) throws {
            let operation = "loading a P-256 public key from PEM"
            let raw: OpaquePointer = try MemoryBIO.reading(Array(pem.utf8), operation) { bio in
                guard let raw = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                    throw OpenSSLError.drain(operation)
                }
                return raw
            }
            try self.init(owning: OwnedPKey(takingOwnershipOf: raw), operation)
        }

        private init(owning key: OwnedPKey, _ operation: String) throws {
            try P256.requireP256(key, operation)
            try Self.checkPoint(key, operation)
            self.key = key
            self.ecKey = try OwnedECKey(of: key, operation)
            (self.x, self.y) = try P256.coordinates(of: key)
        }

        /// Runs OpenSSL's full public key check (on the curve, not infinity,
        /// right order), once per key, so a hostile JWK cannot slip a bad
        /// point into verification.
        private static func checkPoint(_ key: OwnedPKey, _ operation: String) throws {
            guard let raw = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
                throw OpenSSLError.drain(operation)
            }
            let context = OwnedPKeyContext(takingOwnershipOf: raw)
            guard EVP_PKEY_public_check(context.pointer) == 1 else {
                throw OpenSSLError.drain("\(operation): the point is not a valid P-256 public key")
            }
        }

        /// The 65-byte uncompressed point `04‖x‖y`.
        public var uncompressedRepresentation: [UInt8] { [0x04] + x + y }

        /// The DER SubjectPublicKeyInfo.
        public var derRepresentation: [UInt8] { Self.subjectPublicKeyInfoPrefix + uncompressedRepresentation }

        /// The key as PEM (`BEGIN PUBLIC KEY`).
        /// - Throws: `OpenSSLError` if OpenSSL cannot encode it.
        public func pemRepresentation() throws -> String {
            let bytes = try MemoryBIO.writing("exporting a P-256 public key") { bio in
                guard PEM_write_bio_PUBKEY(bio, key.pointer) == 1 else {
                    throw OpenSSLError.drain("exporting a P-256 public key")
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Checks a raw `r‖s` signature over `message` (hashed with SHA-256).
        ///
        /// - Returns: `true` only for a valid signature. Any length other than
        ///   64 bytes, r or s outside [1, n-1], and every OpenSSL failure give
        ///   `false` (the error queue is emptied).
        public func isValidSignature(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
            withUnsafeTemporaryAllocation(byteCount: SHA256.digestCount, alignment: 1) { digest in
                SHA256.hash(message, into: digest)
                return isValidSignature(signature, digest: UnsafeRawBufferPointer(digest))
            }
        }

        /// Checks a raw `r‖s` signature over a message whose SHA-256 digest
        /// the caller has already taken; the same answer as `isValidSignature(_:for:)`.
        /// - Parameter digest: exactly 32 bytes (any other length: `false`).
        public func isValidSignature(_ signature: UnsafeRawBufferPointer, digest: UnsafeRawBufferPointer) -> Bool {
            // r and s outside [1, n-1] are refused before OpenSSL sees them.
            guard digest.count == SHA256.digestCount, signature.count == P256.rawSignatureCount,
                  P256.isInSignatureRange(UnsafeRawBufferPointer(rebasing: signature[0..<32])),
                  P256.isInSignatureRange(UnsafeRawBufferPointer(rebasing: signature[32..<64])) else { return false }
            let status = chub_ECDSA_verify_raw(
                ecKey.pointer, digest.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(digest.count),
                signature.baseAddress!.assumingMemoryBound(to: UInt8.self))
            if status != 1 {
                // 0 is a plain mismatch; <0 an error. Either way the queue
                // must not leak into a later, unrelated failure report.
                _ = OpenSSLError.drainErrorQueue()
                return false
            }
            return true
        }

        /// Checks a raw `r‖s` signature over `message`; see the buffer form.
        public func isValidSignature<Signature: Sequence, Message: Sequence>(
            _ signature: Signature, for message: Message
        ) -> Bool where Signature.Element == UInt8, Message.Element == UInt8 {
            let signature = Array(signature)
            let message = Array(message)
            return signature.withUnsafeBytes { signature in
                message.withUnsafeBytes { isValidSignature(signature, for: $0) }
            }
        }

        public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
            lhs.x == rhs.x && lhs.y == rhs.y
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(x)
            hasher.combine(y)
        }
    }
}
