/// Which store a test keeps the hub's events in, so that the same
/// end-to-end and durability tests run against both (`@Test(arguments:
/// TestStorage.allCases)`).
public enum TestStorage: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The embedded event log in a temporary data directory.
    case embedded
    /// A fresh database on the shared throwaway PostgreSQL (`TestPostgres.shared`);
    /// the data directory then holds the node's snapshots only.
    case postgres

    public var description: String { rawValue }

    /// A connection string to a new, empty database for `.postgres`; nil for `.embedded`.
    public func makeDatabase() throws -> String? {
        switch self {
        case .embedded: nil
        case .postgres: try TestPostgres.shared.createDatabase()
        }
    }

    /// consentd's arguments for this store (`--postgres CONNINFO` or nothing).
    public static func arguments(postgres conninfo: String?) -> [String] {
        conninfo.map { ["--postgres", $0] } ?? []
    }
}
