internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// An X.509 certificate: parsed from PEM or DER, or issued by a
/// `CertificateAuthority`. A value over a shared, immutable OpenSSL object.
public struct Certificate: Sendable {
    let x509: OwnedX509

    init(owning x509: OwnedX509) {
        self.x509 = x509
    }

    /// Wraps a certificate that OpenSSL lent out (for example by
    /// `SSL_get0_peer_certificate`), taking a reference of its own.
    init(retaining pointer: OpaquePointer) {
        self.x509 = OwnedX509(retaining: pointer)
    }

    /// Parses the first certificate in PEM text.
    /// - Throws: `OpenSSLError` if there is none.
    public init(pemRepresentation pem: String) throws {
        let operation = "reading a PEM certificate"
        let raw: OpaquePointer = try MemoryBIO.reading(Array(pem.utf8), operation) { bio in
            guard let raw = PEM_read_bio_X509(bio, nil, nil, nil) else {
                throw OpenSSLError.drain(operation)
            }
            return raw
        }
        x509 = OwnedX509(takingOwnershipOf: raw)
    }

    /// Parses a DER certificate.
    /// - Throws: `OpenSSLError` if the bytes are not exactly one certificate.
    public init(derRepresentation der: [UInt8]) throws {
        let operation = "reading a DER certificate"
        let raw: OpaquePointer = try der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let raw = d2i_X509(nil, &cursor, buffer.count) else {
                throw OpenSSLError.drain(operation)
            }
            guard cursor == buffer.baseAddress.map({ $0 + buffer.count }) else {
                X509_free(raw)
                throw OpenSSLError(operation: operation, details: ["trailing bytes after the certificate"])
            }
            return raw
        }
        x509 = OwnedX509(takingOwnershipOf: raw)
    }

    /// Parses every certificate in PEM text, in order (a chain or a bundle).
    /// - Throws: `OpenSSLError` if a block is damaged or there is none.
    public static func all(pemRepresentation pem: String) throws -> [Certificate] {
        let operation = "reading PEM certificates"
        let certificates: [Certificate] = try MemoryBIO.reading(Array(pem.utf8), operation) { bio in
            var found: [Certificate] = []
            while let raw = PEM_read_bio_X509(bio, nil, nil, nil) {
                found.append(Certificate(owning: OwnedX509(takingOwnershipOf: raw)))
            }
            // The loop ends with "no start line" at the end of the text:
            // expected, so the queue is emptied, not reported.
            _ = OpenSSLError.drainErrorQueue()
            return found
        }
        guard !certificates.isEmpty else {
            throw OpenSSLError(operation: operation, details: ["no certificate in the text"])
        }
        return certificates
    }

    /// Reads the first certificate in a PEM file.
    /// - Throws: `KeyFileError` or `OpenSSLError`.
    public init(pemFile path: String) throws {
        try self.init(pemRepresentation: try KeyFile.read(path))
    }

    /// The certificate as PEM (`BEGIN CERTIFICATE`).
    /// - Throws: `OpenSSLError` if OpenSSL cannot encode it.
    public func pemRepresentation() throws -> String {
        let bytes = try MemoryBIO.writing("writing a PEM certificate") { bio in
            guard PEM_write_bio_X509(bio, x509.pointer) == 1 else {
                throw OpenSSLError.drain("writing a PEM certificate")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The certificate as DER.
    /// - Throws: `OpenSSLError` if OpenSSL cannot encode it.
    public func derRepresentation() throws -> [UInt8] {
        let length = i2d_X509(x509.pointer, nil)
        guard length > 0 else { throw OpenSSLError.drain("encoding a certificate as DER") }
        return try [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, initialised in
            var cursor = buffer.baseAddress
            guard i2d_X509(x509.pointer, &cursor) == length else {
                throw OpenSSLError.drain("encoding a certificate as DER")
            }
            initialised = Int(length)
        }
    }

    /// The subject's `serialNumber`, `CN` and `O`.
    public var subject: CertificateSubject {
        CertificateSubject(x509: x509.pointer)
    }

    /// The subject as an RFC 2253 string (most specific first), for logs.
    public var subjectDescription: String {
        (try? MemoryBIO.writing("printing a certificate subject") { bio in
            // get_subject_name: borrowed from the certificate.
            _ = X509_NAME_print_ex(bio, X509_get_subject_name(x509.pointer), 0, chub_XN_FLAG_RFC2253_UTF8())
        }).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The issuer as an RFC 2253 string, for logs.
    public var issuerDescription: String {
        (try? MemoryBIO.writing("printing a certificate issuer") { bio in
            // get_issuer_name: borrowed from the certificate.
            _ = X509_NAME_print_ex(bio, X509_get_issuer_name(x509.pointer), 0, chub_XN_FLAG_RFC2253_UTF8())
        }).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The certificate's serial number as lower-case hexadecimal.
    public var serialNumberHex: String {
        // get0: borrowed from the certificate.
        guard let serial = X509_get0_serialNumber(x509.pointer),
              let data = ASN1_STRING_get0_data(serial) else { return "" }
        return Hex.encode(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(serial))))
    }

    /// `notBefore`, in seconds since 1970-01-01T00:00:00Z.
    public var notBefore: Int64 { Self.seconds(X509_get0_notBefore(x509.pointer)) }

    /// `notAfter`, in seconds since 1970-01-01T00:00:00Z.
    public var notAfter: Int64 { Self.seconds(X509_get0_notAfter(x509.pointer)) }

    private static func seconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
            _ = OpenSSLError.drainErrorQueue()
            return 0
        }
        return Int64(timegm(&parts))
    }

    /// The certificate's public key, if it is a P-256 key.
    /// - Throws: `OpenSSLError` if it is another kind of key.
    public func publicKey() throws -> P256.PublicKey {
        // get0_pubkey: borrowed from the certificate; re-encoded into a key of our own.
        guard let key = X509_get0_pubkey(x509.pointer) else {
            throw OpenSSLError.drain("reading a certificate's public key")
        }
        var cursor: UnsafeMutablePointer<UInt8>? = nil
        // i2d with a NULL output allocates the buffer; this function frees it.
        let length = i2d_PUBKEY(key, &cursor)
        guard length > 0, let cursor else { throw OpenSSLError.drain("reading a certificate's public key") }
        defer { chub_OPENSSL_free(cursor) }
        return try P256.PublicKey(derRepresentation: Array(UnsafeBufferPointer(start: cursor, count: Int(length))))
    }

    /// Whether the certificate names `host`: a DNS name (wildcards per RFC
    /// 6125) or an IP address, checked against the subject alternative names.
    public func isValid(forHost host: String) -> Bool {
        if X509_check_ip_asc(x509.pointer, host, 0) == 1 { return true }
        let matches = X509_check_host(x509.pointer, host, host.utf8.count, 0, nil) == 1
        _ = OpenSSLError.drainErrorQueue()
        return matches
    }
}
