import ConsentOpenSSL
import Foundation

/// `profile [list]` and `profile show [NAME]`: which profiles exist, and what
/// a command would connect with, and why. Never prints a key's contents.
public enum ProfileCommand {
    public static let all: [Command] = [
        Command(
            name: "profile",
            summary: "list the profiles of the profile file, or show the settings a command would use",
            usage: "profile [list | show [NAME]]",
            details: """
                list (the default): every profile in the profile file, '*' marking the one in use.
                show [NAME]: the resolved connection settings (flag > environment > profile > default)
                with where each came from, and the client certificate's subject and expiry.
                Private keys are never read or printed, only their paths.

                example:
                  consentctl --profile-file dev-certs/profiles.conf profile
                  CONSENT_SERVER=10.0.0.5:7443 consentctl profile show portal
                """,
            run: run
        )
    ]

    static func run(_ invocation: Invocation) throws(CLIError) {
        let action = invocation.arguments.positionals.first ?? "list"
        switch action {
        case "list": try list(invocation)
        case "show": try show(invocation, name: invocation.arguments.positionals.dropFirst().first)
        default: throw .usage("unknown action '\(action)': use 'profile list' or 'profile show [NAME]'")
        }
    }

    private static func profilePath(_ invocation: Invocation) -> String {
        invocation.arguments["profile-file"] ?? invocation.environment["CONSENT_PROFILE_FILE"]
            ?? ProfileFile.defaultPath(environment: invocation.environment)
    }

    static func list(_ invocation: Invocation) throws(CLIError) {
        let path = profilePath(invocation)
        guard FileManager.default.fileExists(atPath: path) else {
            throw .local("no profile file at \(path): give --profile-file or set $CONSENT_PROFILE_FILE (`consentctl dev-certs DIR` writes DIR/profiles.conf)")
        }
        let file = try ProfileFile.load(path)
        let active = invocation.settings.profile?.name
        let width = file.names.map(\.count).max() ?? 0
        let lines = file.names.map { name -> String in
            let values = file.profiles[name] ?? [:]
            let marker = name == active ? "* " : "  "
            let cert = values["cert"].map { ($0 as NSString).lastPathComponent } ?? "-"
            return marker + name + String(repeating: " ", count: width - name.count + 2) + (values["server"] ?? "(default server)") + "  " + cert
        }
        invocation.output.emit(
            human: (["profiles in \(path):"] + lines).joined(separator: "\n"),
            json: [
                "file": path, "active": active as Any? ?? NSNull(),
                "profiles": file.names.map { ["name": $0, "settings": file.profiles[$0] ?? [:]] as [String: Any] },
            ])
    }

    static func show(_ invocation: Invocation, name: String?) throws(CLIError) {
        var settings = invocation.settings
        if let name {
            var arguments = invocation.arguments
            arguments.values["profile"] = [name]
            settings = try ConnectionSettings.resolve(arguments, environment: invocation.environment)
        }
        let rows: [(String, String, String)] = [
            ("server", settings.server, source(settings, "server")),
            ("ca", settings.ca, source(settings, "ca")),
            ("cert", settings.cert, source(settings, "cert")),
            ("key", settings.key, source(settings, "key")),
            ("timeout", "\(settings.timeout) s", source(settings, "timeout")),
            ("user-id", settings.userID ?? "", source(settings, "user-id")),
            ("assurance-level", settings.assuranceLevel ?? "", source(settings, "assurance-level")),
            ("user-name", settings.userName ?? "", source(settings, "user-name")),
            ("signs-for", settings.signsFor ?? "", source(settings, "signs-for")),
            ("org-roles", settings.orgRoles ?? "", source(settings, "org-roles")),
            ("acting-for", settings.actingFor ?? "", source(settings, "acting-for")),
        ].filter { !$0.1.isEmpty }
        let certificate = describeCertificate(settings.cert)
        let problems = fileProblems(settings)
        let width = rows.map(\.0.count).max() ?? 0
        var lines = ["profile: " + (settings.profile.map { "\($0.name) (\($0.file))" } ?? "none")]
        lines += rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 + "  [\($0.2)]" }
        if let certificate { lines.append("  certificate: \(certificate.subject), expires \(certificate.expires)") }
        lines += problems.map { "  problem: \($0)" }
        var json: [String: Any] = [
            "profile": settings.profile.map { ["name": $0.name, "file": $0.file] } as Any? ?? NSNull(),
            "settings": Dictionary(uniqueKeysWithValues: rows.map { ($0.0, ["value": $0.1, "source": $0.2]) }),
            "problems": problems,
        ]
        if let certificate { json["certificate"] = ["subject": certificate.subject, "expires": certificate.expires] }
        invocation.output.emit(human: lines.joined(separator: "\n"), json: json)
    }

    private static func source(_ settings: ConnectionSettings, _ key: String) -> String {
        settings.sources[key]?.description ?? "default"
    }

    /// The subject and expiry of the client certificate, if it can be read.
    static func describeCertificate(_ path: String) -> (subject: String, expires: String)? {
        guard !path.isEmpty, let certificate = try? Certificate(pemFile: path) else { return nil }
        let expiry = Date(timeIntervalSince1970: TimeInterval(certificate.notAfter))
        return (certificate.subjectDescription, ISO8601DateFormatter().string(from: expiry))
    }

    /// What would stop a connection before it starts: a missing or unreadable file.
    static func fileProblems(_ settings: ConnectionSettings) -> [String] {
        var problems: [String] = []
        for (key, path) in [("ca", settings.ca), ("cert", settings.cert), ("key", settings.key)] {
            if path.isEmpty {
                problems.append("no \(key) file named")
            } else if !FileManager.default.isReadableFile(atPath: path) {
                problems.append("\(key) file \(path) cannot be read")
            }
        }
        if !settings.cert.isEmpty, FileManager.default.isReadableFile(atPath: settings.cert), describeCertificate(settings.cert) == nil {
            problems.append("cert file \(settings.cert) is not a PEM certificate")
        }
        return problems
    }
}
