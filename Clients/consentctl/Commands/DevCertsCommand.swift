import ConsentOpenSSL
import Foundation

/// `consentctl dev-certs DIR`: a complete development PKI and the files
/// `make run` needs (DESIGN §9).
enum DevCertsCommand {
    /// The demo end user the `portal` profile logs in: a synthetic national id
    /// (valid check digits, not a real person) at assurance level 4.
    static let demoUserID = "15038512363"
    static let demoUserName = "HÅKON TRANA"
    /// The development token signing key `make run` passes to consentd.
    static let tokenSigningKeyFile = "token-signing.key"

    static let all: [Command] = [
        Command(
            name: "dev-certs",
            summary: "write a development CA, server and client certificates, principals.json and profiles.conf",
            usage: "dev-certs DIR [--force] [--server-name NAME]...",
            details: """
                Writes into DIR: ca.pem; server.pem + server.key (localhost, 127.0.0.1 and each --server-name);
                web.pem + web.key (the same names, for the portal's and the demo apps' HTTPS: make demo);
                consumer, datasource (NAV), datasource-skatt (Skatteetaten), portal, admin and vendor (a system vendor
                that may act for the bank once it registers it) as NAME.pem + NAME.key,
                each with an organisation number in the subject serialNumber; principals.json mapping them to
                their roles; profiles.conf with one consentctl profile per certificate; and token-signing.key,
                a P-256 key for consentd --signing-key, so tokens keep verifying across restarts.
                Private keys are written with mode 0600. For development and tests only.

                example:
                  consentctl dev-certs dev-certs
                  export CONSENT_PROFILE_FILE=$PWD/dev-certs/profiles.conf
                  consentctl --profile consumer health
                """,
            options: [
                .flag("force", "replace the certificates if DIR already has some"),
                .value("server-name", "NAME", "another DNS name or IP address for the server certificate", repeatable: true),
            ],
            run: run
        )
    ]

    static func run(_ invocation: Invocation) throws(CLIError) {
        let directory = try invocation.arguments.positional(0, "DIR (the directory to write)")
        if FileManager.default.fileExists(atPath: directory + "/ca.pem") && !invocation.arguments.has("force") {
            throw .usage("\(directory) already holds certificates; use --force to replace them (clients and servers using the old ones stop working)")
        }
        let set: DevCertificateSet
        do {
            // Like `mkdir -p`: `dev-certs run/certs` should not need `run` to exist.
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            set = try DevCertificates.write(to: directory, extraServerNames: invocation.arguments.all("server-name"))
            try writeProfiles(set)
            try KeyFile.write(try P256.PrivateKey().pemRepresentation(), to: set.path(tokenSigningKeyFile), mode: 0o600)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .local("cannot write development certificates to \(directory): \(error)")
        }
        let rows = set.principals.map { "  \($0.fileName).pem  \($0.organisationNumber)  \($0.name)  [\($0.roles.joined(separator: ", "))]" }
        invocation.output.emit(
            human: (["wrote development certificates to \(directory):", "  ca.pem, server.pem/.key (localhost, 127.0.0.1), web.pem/.key (the web apps' HTTPS)"] + rows
                + ["  principals.json, profiles.conf (use: export CONSENT_PROFILE_FILE=\(absolute(directory))/profiles.conf)",
                   "  \(tokenSigningKeyFile) (consentd --signing-key)"]).joined(separator: "\n"),
            json: [
                "directory": directory,
                "principals": set.principals.map { ["file": $0.fileName, "id": $0.organisationNumber, "name": $0.name, "roles": $0.roles] },
            ]
        )
    }

    /// One profile per client certificate; paths are relative to the profile
    /// file, so the directory can be moved. `default` is the consumer.
    static func writeProfiles(_ set: DevCertificateSet) throws {
        var text = "# consentctl profiles for the development certificates in this directory.\n"
        text += "# Use: consentctl --profile-file \(set.path("profiles.conf")) --profile NAME <command>\n"
        let names = ["default": "consumer"].merging(Dictionary(uniqueKeysWithValues: set.principals.map { ($0.fileName, $0.fileName) })) { a, _ in a }
        for (profile, file) in names.sorted(by: { $0.key < $1.key }) {
            text += "\n[\(profile)]\nserver = 127.0.0.1:7443\nca = ca.pem\ncert = \(file).pem\nkey = \(file).key\n"
            if file == "portal" {
                text += "# the demo end user the portal has logged in (synthetic national id)\n"
                text += "user-id = \(demoUserID)\nassurance-level = 4\nuser-name = \(demoUserName)\n"
            }
            if file == DevPrincipal.vendor.fileName {
                text += "# the consumer this system vendor acts for (the demo bank registers it: consentctl vendor authorise)\n"
                text += "acting-for = \(DevPrincipal.consumer.organisationNumber)\n"
            }
        }
        try KeyFile.write(text, to: set.path("profiles.conf"), mode: 0o644)
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
