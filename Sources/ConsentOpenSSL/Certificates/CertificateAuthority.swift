internal import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A certificate together with its private key.
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let privateKey: P256.PrivateKey

    public init(certificate: Certificate, privateKey: P256.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Writes the certificate (mode 0644) and the key (mode 0600) as PEM.
    /// - Throws: `KeyFileError` or `OpenSSLError`.
    public func write(certificateTo certificatePath: String, keyTo keyPath: String) throws {
        try KeyFile.write(try certificate.pemRepresentation(), to: certificatePath, mode: 0o644)
        try KeyFile.write(try privateKey.pemRepresentation(), to: keyPath, mode: 0o600)
    }
}

/// A certificate authority for development and tests: a self-signed P-256
/// CA that issues TLS server and client certificates.
///
/// - Important: Not for production: there is no revocation, no issuance
///   log, and the key lives in an ordinary file.
public struct CertificateAuthority: Sendable {
    /// The CA's self-signed certificate (the trust anchor to distribute).
    public let certificate: Certificate
    /// The CA's signing key.
    public let privateKey: P256.PrivateKey

    /// Uses an existing CA certificate and its key.
    /// - Throws: `CertificateError` if the key does not belong to the certificate.
    public init(certificate: Certificate, privateKey: P256.PrivateKey) throws {
        guard X509_check_private_key(certificate.x509.pointer, privateKey.key.pointer) == 1 else {
            _ = OpenSSLError.drainErrorQueue()
            throw CertificateError("the CA key does not match the CA certificate")
        }
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Creates a new CA: a fresh P-256 key and a self-signed certificate with
    /// basicConstraints CA:TRUE (critical) and keyUsage keyCertSign, cRLSign.
    /// - Throws: `OpenSSLError` if OpenSSL fails.
    public static func create(
        commonName: String = "ConsentHub Development CA",
        organisation: String = "ConsentHub",
        validity: CertificateValidity = .development
    ) throws -> CertificateAuthority {
        let key = try P256.PrivateKey()
        let builder = CertificateBuilder(
            subject: [.init(nid: NID_organizationName, value: organisation), .init(nid: NID_commonName, value: commonName)],
            subjectKey: key,
            validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        )
        return try CertificateAuthority(certificate: try builder.build(issuer: nil), privateKey: key)
    }

    /// Issues a TLS server certificate with a new key.
    ///
    /// - Parameters:
    ///   - commonName: the subject CN (clients check the SAN, not this).
    ///   - extraNames: more host names or IP addresses for the
    ///     subjectAltName, after `DNS:localhost` and `IP:127.0.0.1`.
    ///   - validity: when it is valid.
    /// - Throws: `CertificateError` for a malformed name, `OpenSSLError` if OpenSSL fails.
    public func issueServerCertificate(
        commonName: String = "localhost",
        extraNames: [String] = [],
        validity: CertificateValidity = .development
    ) throws -> IssuedCertificate {
        var alternativeNames = ["DNS:localhost", "IP:127.0.0.1"]
        for name in extraNames {
            let entry = try Self.alternativeName(name)
            if !alternativeNames.contains(entry) { alternativeNames.append(entry) }
        }
        let key = try P256.PrivateKey()
        let builder = CertificateBuilder(
            subject: [.init(nid: NID_organizationName, value: "ConsentHub"), .init(nid: NID_commonName, value: commonName)],
            subjectKey: key,
            validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "serverAuth"),
                (NID_subject_alt_name, alternativeNames.joined(separator: ",")),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        )
        return IssuedCertificate(certificate: try builder.build(issuer: self), privateKey: key)
    }

    /// Issues a TLS client certificate for an organisation, with a new key.
    ///
    /// The subject is `serialNumber=<organisationNumber>, O=<name>, CN=<name>`,
    /// the layout of Norwegian enterprise certificates, which the server maps
    /// to a principal (DESIGN §6).
    /// - Parameters:
    ///   - organisationNumber: nine digits; the check digit is not enforced
    ///     so tests can make deliberately wrong certificates.
    ///   - name: the organisation's name (CN and O).
    /// - Throws: `CertificateError` if the number is not nine digits,
    ///   `OpenSSLError` if OpenSSL fails.
    public func issueClientCertificate(
        organisationNumber: String,
        name: String,
        validity: CertificateValidity = .development
    ) throws -> IssuedCertificate {
        guard organisationNumber.utf8.count == 9, organisationNumber.utf8.allSatisfy({ (48...57).contains($0) }) else {
            throw CertificateError("organisation number \(organisationNumber) is not nine digits")
        }
        let key = try P256.PrivateKey()
        let builder = CertificateBuilder(
            subject: [
                .init(nid: NID_countryName, value: "NO"),
                .init(nid: NID_organizationName, value: name),
                .init(nid: NID_commonName, value: name),
                .init(nid: NID_serialNumber, value: organisationNumber),
            ],
            subjectKey: key,
            validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "clientAuth"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ]
        )
        return IssuedCertificate(certificate: try builder.build(issuer: self), privateKey: key)
    }

    /// Turns a host name or address into a subjectAltName entry. Only
    /// characters valid in host names and addresses pass, which also keeps
    /// the comma-separated OpenSSL configuration string unambiguous.
    private static func alternativeName(_ name: String) throws -> String {
        let allowed = name.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "*")
        }
        guard !name.isEmpty, allowed else {
            throw CertificateError("\"\(name)\" is not a host name or IP address")
        }
        var address = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1 {
            return "IP:\(name)"
        }
        guard !name.contains(":") else {
            throw CertificateError("\"\(name)\" is not a host name or IP address")
        }
        return "DNS:\(name)"
    }
}
