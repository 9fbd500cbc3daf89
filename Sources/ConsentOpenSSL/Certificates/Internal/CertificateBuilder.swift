internal import COpenSSL

/// Builds and signs one X.509 v3 certificate. Cold path (development
/// certificates and tests), so clarity wins over allocation counts.
struct CertificateBuilder {
    /// A subject attribute: an OpenSSL NID and its value.
    struct Attribute {
        var nid: Int32
        var value: String
    }

    var subject: [Attribute]
    var subjectKey: P256.PrivateKey
    var validity: CertificateValidity
    /// `openssl.cnf`-style extension values by NID, added in this order
    /// (subjectKeyIdentifier before authorityKeyIdentifier).
    var extensions: [(nid: Int32, value: String)]

    /// Issues the certificate, signed by `issuer` (nil: self-signed).
    /// - Throws: `OpenSSLError` if any step fails in OpenSSL.
    func build(issuer: CertificateAuthority?) throws -> Certificate {
        let operation = "issuing a certificate"
        guard let raw = X509_new() else { throw OpenSSLError.drain(operation) }
        let certificate = OwnedX509(takingOwnershipOf: raw)
        // Version field value 2 means X.509 v3 (needed for extensions).
        guard X509_set_version(raw, 2) == 1 else { throw OpenSSLError.drain(operation) }
        try setRandomSerialNumber(raw)
        try setValidity(raw)

        let name = try makeName()
        // set_subject_name and set_issuer_name copy the name.
        guard X509_set_subject_name(raw, name.pointer) == 1 else { throw OpenSSLError.drain(operation) }
        let issuerName = issuer.map { X509_get_subject_name($0.certificate.x509.pointer) } ?? X509_get_subject_name(raw)
        guard X509_set_issuer_name(raw, issuerName) == 1 else { throw OpenSSLError.drain(operation) }
        // set_pubkey stores the public half of the key (the X509 takes its own reference).
        guard X509_set_pubkey(raw, subjectKey.key.pointer) == 1 else { throw OpenSSLError.drain(operation) }

        let issuerCertificate = issuer?.certificate.x509 ?? certificate
        try withExtendedLifetime(issuerCertificate) {
            try addExtensions(to: raw, issuer: issuerCertificate.pointer)
        }
        let signingKey = issuer?.privateKey ?? subjectKey
        // X509_sign returns the signature's length, 0 on failure.
        guard X509_sign(raw, signingKey.key.pointer, FetchedDigest.sha256.pointer) > 0 else {
            throw OpenSSLError.drain("signing a certificate")
        }
        return Certificate(owning: certificate)
    }

    /// RFC 5280 §4.1.2.2: a positive serial of at most 20 bytes, unique per
    /// CA. 128 random bits make collisions and guessing irrelevant.
    private func setRandomSerialNumber(_ certificate: OpaquePointer) throws {
        var bytes = SecureRandom.bytes(count: 16)
        while bytes.allSatisfy({ $0 == 0 }) { bytes = SecureRandom.bytes(count: 16) }
        // bin2bn reads the bytes as an unsigned (so positive) number.
        guard let rawNumber = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            throw OpenSSLError.drain("making a serial number")
        }
        let number = OwnedBignum(takingOwnershipOf: rawNumber)
        guard let rawInteger = BN_to_ASN1_INTEGER(number.pointer, nil) else {
            throw OpenSSLError.drain("making a serial number")
        }
        let integer = OwnedASN1Integer(takingOwnershipOf: rawInteger)
        // set_serialNumber copies the integer.
        guard X509_set_serialNumber(certificate, integer.pointer) == 1 else {
            throw OpenSSLError.drain("setting a serial number")
        }
    }

    private func setValidity(_ certificate: OpaquePointer) throws {
        // getm: the times belong to the certificate and are modified in place.
        guard X509_time_adj_ex(X509_getm_notBefore(certificate), 0, Int(validity.startOffset), nil) != nil,
              X509_time_adj_ex(X509_getm_notAfter(certificate), 0, Int(validity.startOffset + validity.lifetime), nil) != nil else {
            throw OpenSSLError.drain("setting the validity period")
        }
    }

    private func makeName() throws -> OwnedX509Name {
        guard let raw = X509_NAME_new() else { throw OpenSSLError.drain("building a subject name") }
        let name = OwnedX509Name(takingOwnershipOf: raw)
        for attribute in subject {
            // -1, -1: the value is NUL-terminated; append as a new RDN.
            guard X509_NAME_add_entry_by_NID(raw, attribute.nid, chub_MBSTRING_UTF8(), attribute.value, -1, -1, 0) == 1 else {
                throw OpenSSLError.drain("adding \(String(cString: OBJ_nid2sn(attribute.nid)))=\(attribute.value) to a subject name")
            }
        }
        return name
    }

    private func addExtensions(to certificate: OpaquePointer, issuer: OpaquePointer) throws {
        var context = X509V3_CTX()
        // set_ctx borrows both certificates for the extension helpers
        // (authorityKeyIdentifier reads the issuer's subjectKeyIdentifier).
        X509V3_set_ctx(&context, issuer, certificate, nil, nil, 0)
        for (nid, value) in extensions {
            guard let raw = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw OpenSSLError.drain("making extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
            }
            let extensionValue = OwnedX509Extension(takingOwnershipOf: raw)
            // add_ext copies the extension.
            guard X509_add_ext(certificate, extensionValue.pointer, -1) == 1 else {
                throw OpenSSLError.drain("adding extension \(String(cString: OBJ_nid2sn(nid)))")
            }
        }
    }
}
