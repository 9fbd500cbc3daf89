import ConsentCLI

/// A second principal a scenario acts as besides the run's own: the portal
/// that accepts requests for the end user, or the data source that verifies
/// tokens and logs uses. It comes from a profile of the run's profile file
/// (`--portal-profile NAME`, default `portal`) or from explicit files
/// (`--portal-cert FILE --portal-key FILE`); the server, CA and timeout are
/// always the run's, since it is the same hub.
public struct Principal: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case profile(String)
        case files(cert: String, key: String)
    }

    /// The option prefix and the name in messages: `portal`, `datasource`.
    public var role: String
    public var source: Source

    public init(role: String, source: Source) {
        self.role = role
        self.source = source
    }

    /// The demo end user the portal states when its settings name none: the
    /// synthetic national id of `make run`'s profiles (valid check digits,
    /// not a real person), logged in at level 4 as NAV's resource requires.
    public static let demoUserID = "15038512363"
    public static let demoUserName = "HÅKON TRANA"

    /// `--ROLE-profile`, `--ROLE-cert`, `--ROLE-key`.
    /// - Parameter what: who the principal is, for the help text ("the portal, which accepts the requests").
    public static func options(_ role: String, _ what: String) -> [OptionSpec] {
        [
            .value("\(role)-profile", "NAME", "\(what): this profile of the profile file (default '\(role)')"),
            .value("\(role)-cert", "FILE", "…or this client certificate (PEM), with --\(role)-key"),
            .value("\(role)-key", "FILE", "…and its private key (PEM)"),
        ]
    }

    /// The principal `role` as the command line names it.
    /// - Throws: `CLIError.usage` when only one of the cert and key is given, or a profile and files both.
    public static func parse(_ role: String, _ arguments: ParsedArguments) throws(CLIError) -> Principal {
        let cert = arguments["\(role)-cert"], key = arguments["\(role)-key"]
        switch (cert, key) {
        case (nil, nil):
            return Principal(role: role, source: .profile(arguments["\(role)-profile"] ?? role))
        case (let cert?, let key?):
            if arguments.has("\(role)-profile") { throw .usage("give --\(role)-profile or --\(role)-cert/--\(role)-key, not both") }
            return Principal(role: role, source: .files(cert: cert, key: key))
        default:
            throw .usage("--\(role)-cert and --\(role)-key go together")
        }
    }

    /// The connection settings of this principal.
    /// - Parameters:
    ///   - base: the run's settings: their server, CA and timeout are used.
    ///   - profileFile: the run's profile file, for `.profile`.
    /// - Throws: `CLIError.usage` when the profile cannot be found; the message names the options.
    public func settings(base: ConnectionSettings, profileFile: String?) throws(CLIError) -> ConnectionSettings {
        var settings: ConnectionSettings
        switch source {
        case .profile(let name):
            guard let file = profileFile ?? base.profile?.file else {
                throw .usage("the \(role) principal: no profile file to find profile '\(name)' in; give --profile-file (`make run` writes dev-certs/profiles.conf), or --\(role)-cert and --\(role)-key")
            }
            var arguments = ParsedArguments()
            arguments.values["profile"] = [name]
            arguments.values["profile-file"] = [file]
            do {
                settings = try ConnectionSettings.resolve(arguments, environment: [:])
            } catch {
                throw .usage("the \(role) principal: \(error.message); name another with --\(role)-profile, or give --\(role)-cert and --\(role)-key")
            }
        case .files(let cert, let key):
            settings = ConnectionSettings()
            settings.cert = cert
            settings.key = key
        }
        settings.server = base.server
        settings.ca = base.ca
        settings.timeout = base.timeout
        if role == "portal" && settings.userID == nil {
            settings.userID = Self.demoUserID
            settings.assuranceLevel = settings.assuranceLevel ?? "4"
            settings.userName = settings.userName ?? Self.demoUserName
        }
        return settings
    }
}
