import Foundation

/// Where to connect and as whom. Each setting comes from, in order of
/// precedence: a flag (`--server`), an environment variable (`CONSENT_SERVER`),
/// the chosen profile of the profile file, a default.
struct ConnectionSettings {
    var server = "127.0.0.1:7443"
    var ca = ""
    var cert = ""
    var key = ""
    /// Seconds the client waits for each call; sent to the server as the deadline.
    var timeout = 10.0
    /// Metadata the portal role sends to state the logged-in end user.
    var userID: String?
    var assuranceLevel: String?
    var userName: String?
    var signsFor: String?

    /// The keys settable in a profile, flags of the same names, and env variables.
    static let keys: [(key: String, env: String, help: String)] = [
        ("server", "CONSENT_SERVER", "HOST:PORT of consentd (default 127.0.0.1:7443)"),
        ("ca", "CONSENT_CA", "CA certificate that signed the server's certificate (PEM)"),
        ("cert", "CONSENT_CERT", "client certificate (PEM)"),
        ("key", "CONSENT_KEY", "client private key (PEM)"),
        ("timeout", "CONSENT_TIMEOUT", "seconds to wait for each call (default 10)"),
        ("user-id", "CONSENT_USER_ID", "portal only: the logged-in end user's national id"),
        ("assurance-level", "CONSENT_ASSURANCE_LEVEL", "portal only: the user's login assurance level (3 or 4)"),
        ("user-name", "CONSENT_USER_NAME", "portal only: the user's name as shown in the consent log"),
        ("signs-for", "CONSENT_SIGNS_FOR", "portal only: org numbers the user may sign for, comma-separated"),
    ]

    static var optionSpecs: [OptionSpec] {
        keys.map { entry in
            let valueName = switch entry.key {
            case "server": "HOST:PORT"
            case "ca", "cert", "key": "FILE"
            case "timeout": "SECONDS"
            case "user-id": "NATIONAL_ID"
            case "assurance-level": "LEVEL"
            case "signs-for": "ORGNOS"
            default: "TEXT"
            }
            return OptionSpec.value(entry.key, valueName, "\(entry.help) [$\(entry.env)]")
        }
            + [
                .value("profile", "NAME", "section of the profile file to use [$CONSENT_PROFILE] (default: 'default' if present)"),
                .value("profile-file", "FILE", "profile file [$CONSENT_PROFILE_FILE] (default ~/.config/consenthub/profiles.conf)"),
            ]
    }

    /// Resolves the settings.
    /// - Throws: `CLIError` when a named profile or profile file does not exist or a value is malformed.
    static func resolve(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> ConnectionSettings {
        var values: [String: String] = [:]
        let profileFile = arguments["profile-file"] ?? environment["CONSENT_PROFILE_FILE"]
        let profileName = arguments["profile"] ?? environment["CONSENT_PROFILE"]
        if let profile = try loadProfile(file: profileFile, name: profileName, environment: environment) {
            values = profile
        }
        for entry in keys {
            if let v = environment[entry.env], !v.isEmpty { values[entry.key] = v }
            if let v = arguments[entry.key] { values[entry.key] = v }
        }
        var settings = ConnectionSettings()
        if let v = values["server"] { settings.server = v }
        settings.ca = values["ca"] ?? ""
        settings.cert = values["cert"] ?? ""
        settings.key = values["key"] ?? ""
        if let v = values["timeout"] {
            guard let t = Double(v), t > 0 else { throw .usage("--timeout must be a positive number of seconds, not '\(v)'") }
            settings.timeout = t
        }
        settings.userID = values["user-id"]
        settings.assuranceLevel = values["assurance-level"]
        settings.userName = values["user-name"]
        settings.signsFor = values["signs-for"]
        return settings
    }

    /// Checks that the TLS files are named; the error says where to name them.
    func requireTLSFiles() throws(CLIError) {
        for (value, key, env) in [(ca, "ca", "CONSENT_CA"), (cert, "cert", "CONSENT_CERT"), (key, "key", "CONSENT_KEY")] where value.isEmpty {
            throw .usage("no client TLS \(key) file: give --\(key), set $\(env), or use a profile (--profile NAME; `make run` writes dev-certs/profiles.conf)")
        }
    }

    /// Reads `[name]` sections of `key = value` lines. Relative paths are taken
    /// relative to the profile file, so a profile travels with its certificates.
    static func loadProfile(file: String?, name: String?, environment: [String: String]) throws(CLIError) -> [String: String]? {
        let path: String
        if let file {
            path = file
        } else {
            let home = environment["HOME"] ?? ""
            path = home + "/.config/consenthub/profiles.conf"
            if !FileManager.default.fileExists(atPath: path) {
                if let name { throw .usage("profile '\(name)' requested but there is no profile file (\(path)); give --profile-file") }
                return nil
            }
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .local("cannot read profile file \(path)")
        }
        var sections: [String: [String: String]] = [:]
        var current: String?
        let directory = (path as NSString).deletingLastPathComponent
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "")
                .trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                sections[current!, default: [:]] = sections[current!] ?? [:]
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else {
                throw .usage("\(path):\(number + 1): expected '[profile]' or 'key = value'")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard keys.contains(where: { $0.key == key }) else {
                throw .usage("\(path):\(number + 1): unknown key '\(key)'")
            }
            if ["ca", "cert", "key"].contains(key), !value.hasPrefix("/"), !value.isEmpty {
                value = directory.isEmpty ? value : directory + "/" + value
            }
            sections[section]![key] = value
        }
        let chosen = name ?? "default"
        guard let profile = sections[chosen] else {
            if name == nil { return nil }
            let known = sections.keys.sorted().joined(separator: ", ")
            throw .usage("profile '\(chosen)' is not in \(path) (it has: \(known))")
        }
        return profile
    }
}
