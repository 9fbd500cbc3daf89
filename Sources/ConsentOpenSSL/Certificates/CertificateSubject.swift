internal import COpenSSL

/// The parts of a certificate's subject that ConsentHub identifies callers by.
///
/// Norwegian enterprise certificates carry the organisation number in the
/// subject's `serialNumber` attribute (OID 2.5.4.5); older or foreign ones
/// only in `CN`. DESIGN §6: use `serialNumber`, failing that `CN`.
public struct CertificateSubject: Sendable, Hashable {
    /// The `serialNumber` attribute (not the certificate's serial number).
    public var serialNumber: String?
    /// The `CN` attribute.
    public var commonName: String?
    /// The `O` attribute.
    public var organisation: String?

    public init(serialNumber: String? = nil, commonName: String? = nil, organisation: String? = nil) {
        self.serialNumber = serialNumber
        self.commonName = commonName
        self.organisation = organisation
    }

    /// The caller's identity for the principals file: `serialNumber`, or `CN`
    /// when there is none.
    public var principalID: String? { serialNumber ?? commonName }

    /// Parses the subject of a PEM certificate (the first in the text).
    /// - Throws: `OpenSSLError` if the text holds no certificate.
    public init(pem: String) throws {
        self = try Certificate(pemRepresentation: pem).subject
    }

    /// Parses the subject of a DER certificate.
    /// - Throws: `OpenSSLError` if the bytes are not a certificate.
    public init(der: [UInt8]) throws {
        self = try Certificate(derRepresentation: der).subject
    }

    /// Reads the subject of an `X509` that the caller keeps alive for the
    /// duration of the call (for the TLS code: the peer certificate).
    init(x509: OpaquePointer) {
        // get_subject_name: borrowed from the certificate, not freed here.
        let name = X509_get_subject_name(x509)
        serialNumber = Self.attribute(NID_serialNumber, in: name)
        commonName = Self.attribute(NID_commonName, in: name)
        organisation = Self.attribute(NID_organizationName, in: name)
    }

    /// The last value of attribute `nid` in `name` (the most specific one,
    /// by X.500 convention), converted to UTF-8.
    private static func attribute(_ nid: Int32, in name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        var index: Int32 = -1
        var last: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            if index < 0 { break }
            last = index
        }
        // get_entry and get_data: borrowed from `name`.
        guard last >= 0, let entry = X509_NAME_get_entry(name, last),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>? = nil
        // to_UTF8 allocates `utf8`; this function frees it.
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else {
            _ = OpenSSLError.drainErrorQueue()
            return nil
        }
        defer { chub_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }
}
