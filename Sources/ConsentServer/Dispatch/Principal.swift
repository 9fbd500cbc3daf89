import Foundation

/// What a caller may do (DESIGN §6). A principal has one or more roles; each
/// method lists the roles allowed to call it.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// A bank or insurer: asks for consent, exchanges codes, fetches tokens, logs use.
    case consumer
    /// A public agency holding the data: owns resources, verifies tokens, logs use.
    case datasource
    /// The trusted front end that has logged the end user in and states who they are.
    case portal
    /// The hub's operators.
    case admin
    /// A system vendor acting for consumers that registered it (issue 12,
    /// Altinn 3's `handledBy`); it names the consumer in `x-consent-acting-for`.
    case vendor

    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }
}

/// A caller known to the hub: the organisation number (or CN) from its client
/// certificate, a display name, and its roles.
public struct Principal: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var roles: Set<Role>

    public init(id: String, name: String, roles: Set<Role>) {
        self.id = id
        self.name = name
        self.roles = roles
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }
}

/// The principals file: `{"principals": [{"id": "...", "name": "...", "roles": ["consumer"]}]}`.
/// Read at start and on SIGHUP; looked up on every call, so it is an immutable
/// dictionary swapped whole on reload.
public struct PrincipalDirectory: Sendable {
    private let byID: [String: Principal]

    public init(_ principals: [Principal]) {
        var byID: [String: Principal] = [:]
        for p in principals { byID[p.id] = p }
        self.byID = byID
    }

    public subscript(id: String) -> Principal? { byID[id] }
    public var all: [Principal] { byID.values.sorted { $0.id < $1.id } }

    private struct File: Codable {
        var principals: [Principal]
    }

    /// Parses the principals file.
    /// - Throws: `ConfigurationError` naming the file and what is wrong with it.
    public static func load(path: String) throws(ConfigurationError) -> PrincipalDirectory {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read principals file \(path)")
        }
        return try parse(data, source: path)
    }

    public static func parse(_ data: Data, source: String) throws(ConfigurationError) -> PrincipalDirectory {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ConfigurationError("principals file \(source) is not valid: \(error)")
        }
        var seen = Set<String>()
        for p in file.principals {
            if p.id.isEmpty { throw ConfigurationError("principals file \(source): a principal has an empty id") }
            if p.roles.isEmpty { throw ConfigurationError("principals file \(source): principal \(p.id) has no roles") }
            if !seen.insert(p.id).inserted { throw ConfigurationError("principals file \(source): principal \(p.id) appears twice") }
        }
        return PrincipalDirectory(file.principals)
    }
}
