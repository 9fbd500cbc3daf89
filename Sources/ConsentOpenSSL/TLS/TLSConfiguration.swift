/// What a `TLSContext` is built from: the files, the protocol versions and the
/// application protocol. Plain values; building the context reads the files.
public struct TLSConfiguration: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        case server
        case client
    }

    public enum Version: Sendable, Hashable {
        case v1_2
        case v1_3
    }

    public var role: Role
    /// PEM file with our certificate first, then any intermediates.
    public var certificateChainFile: String?
    /// PEM file with the private key of the first certificate of the chain.
    public var privateKeyFile: String?
    /// PEM file of the CA certificates the peer's certificate must chain to.
    /// On a server these are also the CAs named in the CertificateRequest.
    public var trustRootsFile: String?
    /// ALPN protocols, most preferred first. A server refuses (fatal alert
    /// `no_application_protocol`) a client that offers none of them, or none at all.
    public var applicationProtocols: [String]
    /// The oldest version accepted; TLS 1.3 is always preferred when both sides have it.
    public var minimumVersion: Version
    /// The newest version offered or accepted; nil: the newest OpenSSL has (TLS 1.3).
    public var maximumVersion: Version?
    /// Server only: a client without a certificate that chains to `trustRootsFile`
    /// fails the handshake (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
    public var requireClientCertificate: Bool
    /// Client only: whether the server's certificate is verified against
    /// `trustRootsFile` and the name the connection was opened to.
    public var verifyServer: Bool

    /// The ALPN protocol of ConsentHub's RPC (docs/PROTOCOL.md).
    public static let consentRPCProtocol = "consent-rpc/1"

    public init(
        role: Role,
        certificateChainFile: String? = nil,
        privateKeyFile: String? = nil,
        trustRootsFile: String? = nil,
        applicationProtocols: [String] = [TLSConfiguration.consentRPCProtocol],
        minimumVersion: Version = .v1_2,
        maximumVersion: Version? = nil,
        requireClientCertificate: Bool = true,
        verifyServer: Bool = true
    ) {
        self.role = role
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.trustRootsFile = trustRootsFile
        self.applicationProtocols = applicationProtocols
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.requireClientCertificate = requireClientCertificate
        self.verifyServer = verifyServer
    }

    /// A consentd server: its chain and key, and the CA file client certificates must chain to.
    public static func server(certificateChainFile: String, privateKeyFile: String, clientCAFile: String) -> TLSConfiguration {
        TLSConfiguration(
            role: .server, certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile,
            trustRootsFile: clientCAFile)
    }

    /// A client with its own certificate (ConsentHub requires one) trusting `caFile` for the server.
    public static func client(caFile: String, certificateChainFile: String?, privateKeyFile: String?) -> TLSConfiguration {
        TLSConfiguration(
            role: .client, certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile,
            trustRootsFile: caFile)
    }
}
