import Foundation

/// Where to connect and as whom. Each setting comes from, in order of
/// precedence: a flag (`--server`), an environment variable (`CONSENT_SERVER`),
/// the chosen profile of the profile file, a default.
public struct ConnectionSettings: Sendable {
    public var server = "127.0.0.1:7443"
    public var ca = ""
    public var cert = ""
    public var key = ""
    /// Seconds the client waits for each call; sent to the server as the deadline.
    public var timeout = 10.0
    /// Metadata the portal role sends to state the logged-in end user.
    public var userID: String?
    public var assuranceLevel: String?
    public var userName: String?
    public var signsFor: String?
    /// The roles the user holds per organisation: `910000001=DAGL,SIGN;…`.
    public var orgRoles: String?
    /// Metadata the vendor role sends to name the consumer it acts for.
    public var actingFor: String?

    /// The profile the settings were read from, if any, and its file.
    public var profile: (name: String, file: String)?
    /// Where each setting that is not a default came from, by key (`server`, `ca`…).
    public var sources: [String: Source] = [:]

    /// Where one setting came from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case flag
        case environment(String)
        case profile(String)

        public var description: String {
            switch self {
            case .flag: "flag"
            case .environment(let name): "$\(name)"
            case .profile(let name): "profile '\(name)'"
            }
        }
    }

    public init() {}

    /// The keys settable in a profile, flags of the same names, and env variables.
    public static let keys: [(key: String, env: String, help: String)] = [
        ("server", "CONSENT_SERVER", "HOST:PORT of consentd (default 127.0.0.1:7443); several, separated by commas, for nodes sharing one database: the active one is found"),
        ("ca", "CONSENT_CA", "CA certificate that signed the server's certificate (PEM)"),
        ("cert", "CONSENT_CERT", "client certificate (PEM)"),
        ("key", "CONSENT_KEY", "client private key (PEM)"),
        ("timeout", "CONSENT_TIMEOUT", "seconds to wait for each call (default 10)"),
        ("user-id", "CONSENT_USER_ID", "portal only: the logged-in end user's national id"),
        ("assurance-level", "CONSENT_ASSURANCE_LEVEL", "portal only: the user's login assurance level (3 or 4)"),
        ("user-name", "CONSENT_USER_NAME", "portal only: the user's name as shown in the consent log"),
        ("signs-for", "CONSENT_SIGNS_FOR", "portal only: org numbers the user may sign for, comma-separated"),
        ("org-roles", "CONSENT_ORG_ROLES", "portal only: the user's roles per organisation, e.g. 910000001=DAGL,SIGN;912345678=LEDE"),
        ("acting-for", "CONSENT_ACTING_FOR", "vendor only: the org number of the consumer the vendor acts for"),
    ]

    /// Keys whose values are file paths: relative ones in a profile are taken
    /// relative to the profile file.
    static let pathKeys: Set<String> = ["ca", "cert", "key"]

    public static var optionSpecs: [OptionSpec] {
        keys.map { entry in
            let valueName = switch entry.key {
            case "server": "HOST:PORT[,HOST:PORT…]"
            case "ca", "cert", "key": "FILE"
            case "timeout": "SECONDS"
            case "user-id": "NATIONAL_ID"
            case "assurance-level": "LEVEL"
            case "signs-for": "ORGNOS"
            case "org-roles": "ORGNO=ROLE,…;…"
            case "acting-for": "ORGNO"
            default: "TEXT"
            }
            return OptionSpec.value(entry.key, valueName, "\(entry.help) [$\(entry.env)]")
        }
            + [
                .value("profile", "NAME", "section of the profile file to use [$CONSENT_PROFILE] (default: 'default' if present)"),
                .value("profile-file", "FILE", "profile file [$CONSENT_PROFILE_FILE] (default ~/.config/consenthub/profiles.conf)"),
            ]
    }

    /// Resolves the settings: flag > environment > profile > default.
    /// - Throws: `CLIError` when a named profile or profile file does not exist or a value is malformed.
    public static func resolve(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> ConnectionSettings {
        var values: [String: String] = [:]
        var sources: [String: Source] = [:]
        let profileFile = arguments["profile-file"] ?? environment["CONSENT_PROFILE_FILE"]
        let profileName = arguments["profile"] ?? environment["CONSENT_PROFILE"]
        var chosen: (name: String, file: String)?
        if let (name, path, profile) = try ProfileFile.choose(file: profileFile, name: profileName, environment: environment) {
            values = profile
            chosen = (name, path)
            for key in profile.keys { sources[key] = .profile(name) }
        }
        for entry in keys {
            if let v = environment[entry.env], !v.isEmpty {
                values[entry.key] = v
                sources[entry.key] = .environment(entry.env)
            }
            if let v = arguments[entry.key] {
                values[entry.key] = v
                sources[entry.key] = .flag
            }
        }
        var settings = ConnectionSettings()
        settings.profile = chosen
        settings.sources = sources
        if let v = values["server"] { settings.server = v }
        settings.ca = values["ca"] ?? ""
        settings.cert = values["cert"] ?? ""
        settings.key = values["key"] ?? ""
        if let v = values["timeout"] {
            guard let t = Double(v), t > 0, t.isFinite else {
                throw .usage("timeout must be a positive number of seconds, not '\(v)' (from \(sources["timeout"]!))")
            }
            settings.timeout = t
        }
        settings.userID = values["user-id"]
        settings.assuranceLevel = values["assurance-level"]
        settings.userName = values["user-name"]
        settings.signsFor = values["signs-for"]
        settings.orgRoles = values["org-roles"]
        settings.actingFor = values["acting-for"]
        return settings
    }

    /// Checks that the TLS files are named; the error says where to name them.
    public func requireTLSFiles() throws(CLIError) {
        for (value, key, env) in [(ca, "ca", "CONSENT_CA"), (cert, "cert", "CONSENT_CERT"), (key, "key", "CONSENT_KEY")] where value.isEmpty {
            throw .usage("no client TLS \(key) file: give --\(key), set $\(env), or use a profile (--profile NAME; `make run` writes dev-certs/profiles.conf)")
        }
    }

    /// The section `name` (or `default`) of a profile file. Kept for callers
    /// of the first version; `ProfileFile` does the work.
    /// - Returns: nil when no profile was asked for and there is no default.
    public static func loadProfile(file: String?, name: String?, environment: [String: String]) throws(CLIError) -> [String: String]? {
        try ProfileFile.choose(file: file, name: name, environment: environment)?.values
    }
}
