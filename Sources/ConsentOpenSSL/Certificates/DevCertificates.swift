/// The certificates of a development or test setup, as written by
/// `DevCertificates.write(to:)`.
public struct DevCertificateSet: Sendable {
    /// The directory the files are in.
    public let directory: String
    /// The CA (`ca.pem`; its key is not written: new certificates come from
    /// a new set).
    public let authority: CertificateAuthority
    /// The server certificate (`server.pem`, `server.key`).
    public let server: IssuedCertificate
    /// The web apps' certificate (`web.pem`, `web.key`): the portal, the demo
    /// bank and the demo data source serve HTTPS with it. A key of its own, so
    /// the web apps never hold consentd's key.
    public let web: IssuedCertificate
    /// Client certificates by `DevPrincipal.fileName` (`NAME.pem`, `NAME.key`).
    public let clients: [String: IssuedCertificate]
    /// The principals the clients belong to.
    public let principals: [DevPrincipal]

    /// The path of a file in the set, e.g. `path("consumer.pem")`.
    public func path(_ fileName: String) -> String {
        directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
    }
}

/// Development and test certificates: what `consentctl dev-certs DIR`
/// writes and what the test suite starts servers with.
public enum DevCertificates {
    /// Creates a CA, a server certificate and one client certificate per
    /// principal, and writes them with `principals.json` into `directory`:
    ///
    /// - `ca.pem`: the trust anchor for both sides;
    /// - `server.pem`, `server.key`: SAN `DNS:localhost`, `IP:127.0.0.1` and `extraServerNames`;
    /// - `web.pem`, `web.key`: the same names, for the development web apps' HTTPS;
    /// - `NAME.pem`, `NAME.key` for each principal (`consumer`, `datasource`,
    ///   `datasource-skatt`, `portal`, `admin`, `vendor` by default);
    /// - `principals.json`: `{"principals": [{"id", "name", "roles"}, …]}`.
    ///
    /// Keys are written with mode 0600, everything else 0644. Existing files
    /// are replaced.
    /// - Throws: `KeyFileError` if a file cannot be written, `CertificateError`
    ///   or `OpenSSLError` if a certificate cannot be made.
    @discardableResult
    public static func write(
        to directory: String,
        principals: [DevPrincipal] = DevPrincipal.all,
        validity: CertificateValidity = .development,
        extraServerNames: [String] = []
    ) throws -> DevCertificateSet {
        try KeyFile.createDirectory(directory)
        let authority = try CertificateAuthority.create(validity: validity)
        let server = try authority.issueServerCertificate(extraNames: extraServerNames, validity: validity)
        let web = try authority.issueServerCertificate(extraNames: extraServerNames, validity: validity)
        var clients: [String: IssuedCertificate] = [:]
        for principal in principals {
            clients[principal.fileName] = try authority.issueClientCertificate(
                organisationNumber: principal.organisationNumber, name: principal.name, validity: validity)
        }
        let set = DevCertificateSet(
            directory: directory, authority: authority, server: server, web: web, clients: clients, principals: principals)

        try KeyFile.write(try authority.certificate.pemRepresentation(), to: set.path("ca.pem"), mode: 0o644)
        try server.write(certificateTo: set.path("server.pem"), keyTo: set.path("server.key"))
        try web.write(certificateTo: set.path("web.pem"), keyTo: set.path("web.key"))
        for principal in principals {
            try clients[principal.fileName]!.write(
                certificateTo: set.path("\(principal.fileName).pem"), keyTo: set.path("\(principal.fileName).key"))
        }
        try KeyFile.write(principalsJSON(principals), to: set.path("principals.json"), mode: 0o644)
        return set
    }

    /// A client certificate from a different, freshly made CA, for tests that
    /// check the server refuses strangers. By default it claims the demo
    /// bank's organisation number, the worst case: the right name from the
    /// wrong issuer.
    /// - Throws: `CertificateError` or `OpenSSLError`.
    public static func foreignClient(
        organisationNumber: String = DevPrincipal.consumer.organisationNumber,
        name: String = DevPrincipal.consumer.name
    ) throws -> (authority: CertificateAuthority, client: IssuedCertificate) {
        let authority = try CertificateAuthority.create(commonName: "Other CA", organisation: "Somebody Else")
        let client = try authority.issueClientCertificate(organisationNumber: organisationNumber, name: name)
        return (authority, client)
    }

    /// The principals file for `principals`:
    /// `{"principals": [{"id": "<orgno>", "name": "…", "roles": ["…"]}, …]}`.
    public static func principalsJSON(_ principals: [DevPrincipal]) -> String {
        var lines = ["{", "  \"principals\": ["]
        for (index, principal) in principals.enumerated() {
            let roles = principal.roles.map(jsonString).joined(separator: ", ")
            let comma = index == principals.count - 1 ? "" : ","
            lines.append("    {\"id\": \(jsonString(principal.organisationNumber)), \"name\": \(jsonString(principal.name)), \"roles\": [\(roles)]}\(comma)")
        }
        lines.append(contentsOf: ["  ]", "}", ""])
        return lines.joined(separator: "\n")
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control
    /// characters escaped, everything else as UTF-8.
    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
