internal import COpenSSL

extension Certificate {
    /// What a certificate is being trusted for.
    public enum Purpose: Sendable {
        /// Any purpose: only the chain and validity are checked.
        case any
        /// A TLS server (extendedKeyUsage serverAuth).
        case serverAuthentication
        /// A TLS client (extendedKeyUsage clientAuth).
        case clientAuthentication
    }

    /// Verifies this certificate against trust anchors with OpenSSL's
    /// `X509_verify_cert`: the signature chain, validity dates, CA
    /// constraints, and the extended key usage for `purpose`.
    ///
    /// - Parameters:
    ///   - anchors: the trusted CA certificates.
    ///   - intermediates: untrusted certificates that may complete the chain.
    ///   - purpose: what the certificate is for.
    ///   - time: check validity at this time (seconds since the epoch)
    ///     instead of now; for tests.
    /// - Throws: `CertificateError` with OpenSSL's reason and
    ///   `X509_V_ERR_*` code if the certificate is not trusted.
    public func verify(
        trusting anchors: [Certificate],
        intermediates: [Certificate] = [],
        purpose: Purpose = .any,
        at time: Int64? = nil
    ) throws(CertificateError) {
        guard let rawStore = X509_STORE_new() else {
            throw CertificateError("cannot verify: \(OpenSSLError.drain("allocating an X509_STORE"))")
        }
        let store = OwnedX509Store(takingOwnershipOf: rawStore)
        for anchor in anchors {
            // add_cert up-refs the certificate: the store holds its own reference.
            guard X509_STORE_add_cert(store.pointer, anchor.x509.pointer) == 1 else {
                throw CertificateError("cannot verify: \(OpenSSLError.drain("adding a trust anchor"))")
            }
        }
        guard let rawContext = X509_STORE_CTX_new() else {
            throw CertificateError("cannot verify: \(OpenSSLError.drain("allocating an X509_STORE_CTX"))")
        }
        let context = OwnedX509StoreContext(takingOwnershipOf: rawContext)
        // The untrusted stack only borrows its certificates (no up-ref, and
        // OPENSSL_sk_free frees the stack, not them): `intermediates` keeps
        // them alive until this function returns.
        let untrusted = intermediates.isEmpty ? nil : OPENSSL_sk_new_null()
        defer { if let untrusted { OPENSSL_sk_free(untrusted) } }
        for certificate in intermediates {
            _ = OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.x509.pointer))
        }
        // init borrows store, leaf and stack: all outlive `context` here.
        guard X509_STORE_CTX_init(context.pointer, store.pointer, x509.pointer, untrusted) == 1 else {
            throw CertificateError("cannot verify: \(OpenSSLError.drain("initialising verification"))")
        }
        switch purpose {
        case .any: break
        case .serverAuthentication: _ = X509_STORE_CTX_set_purpose(context.pointer, X509_PURPOSE_SSL_SERVER)
        case .clientAuthentication: _ = X509_STORE_CTX_set_purpose(context.pointer, X509_PURPOSE_SSL_CLIENT)
        }
        if let time {
            X509_STORE_CTX_set_time(context.pointer, 0, time_t(time))
        }
        let result = withExtendedLifetime((store, intermediates)) { X509_verify_cert(context.pointer) }
        if result != 1 {
            let code = X509_STORE_CTX_get_error(context.pointer)
            let reason = String(cString: X509_verify_cert_error_string(Int(code)))
            _ = OpenSSLError.drainErrorQueue()
            throw CertificateError("certificate \(subjectDescription) not trusted: \(reason)", verificationCode: code)
        }
    }
}
