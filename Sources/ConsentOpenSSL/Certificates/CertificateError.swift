/// A certificate request that cannot be honoured, or a certificate that did
/// not verify. (Failures inside OpenSSL are `OpenSSLError`.)
public struct CertificateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for people.
    public var message: String
    /// For a failed verification, OpenSSL's `X509_V_ERR_*` code; otherwise 0.
    public var verificationCode: Int32

    public init(_ message: String, verificationCode: Int32 = 0) {
        self.message = message
        self.verificationCode = verificationCode
    }

    public var description: String { message }
}
