import ConsentClient
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentTransport
import Foundation
import Testing

/// Issue 11's authorization matrix: every RPC of every service, called as
/// every kind of caller, against the table in docs/SECURITY.md (the one
/// source of truth: change the table and the hub together). The callers a
/// certificate defines are called in process, each cell on a fresh hub with
/// the same objects (Matrix.Fixture); those only a TLS handshake can show
/// (an organisation the hub does not know, another CA, no certificate) over
/// a real connection. A new RPC or role without a row or a column fails here.
@Suite struct AuthorizationMatrixTests {
    static func documentedTable() throws -> Matrix.Table {
        try Matrix.parse(try String(contentsOfFile: Matrix.documentPath, encoding: .utf8))
    }

    /// Every RPC the hub serves, as consentd registers them.
    static func servedMethods() throws -> [String] {
        try InProcessHub().hub.router.methodNames
    }

    @Test func theTableHasARowForEveryRPCAndAColumnForEveryCaller() throws {
        let table = try Self.documentedTable()
        let callers = Matrix.Caller.allCases.map(\.rawValue)
        #expect(table.columns == callers, "docs/SECURITY.md's columns must be the callers of Matrix.Caller, in order")
        for role in Role.allCases {
            #expect(Matrix.Caller.allCases.contains { $0.roles.contains(role) },
                    "role \(role.rawValue) has no caller: add one to Matrix.Caller and a column to docs/SECURITY.md's matrix")
        }
        let served = try Self.servedMethods()
        let documented = table.rows.map(\.method)
        for method in served where !documented.contains(method) {
            Issue.record("\(method) has no row in docs/SECURITY.md's authorization matrix: add one (and its request to Matrix.calls)")
        }
        for method in documented where !served.contains(method) {
            Issue.record("docs/SECURITY.md's matrix has a row for \(method), which the hub does not serve")
        }
        #expect(Set(documented).count == documented.count, "a row appears twice")
        for method in served where Matrix.calls[method] == nil {
            Issue.record("Matrix.calls has no request for \(method): add one")
        }
    }

    @Test func callersWithACertificateOfTheHubsCAGetTheDocumentedAnswers() async throws {
        let table = try Self.documentedTable()
        let callers = Matrix.Caller.allCases.filter { $0.inProcessName != nil }
        var observed: [(method: String, cells: [String: String])] = []
        var problems: [String] = []
        for method in try Self.servedMethods() {
            guard let call = Matrix.calls[method] else { continue }  // reported by the shape test
            var cells: [String: String] = [:]
            for caller in callers {
                // A fresh hub per cell: no call sees another's effects.
                let hub = try InProcessHub()
                let fixture = try await Matrix.Fixture(on: hub)
                let client = try hub.client(caller.inProcessName!)
                let seen = await Matrix.observe(method, call, fixture: fixture, on: client, metadata: caller.metadata, forbidden: caller.forbidden)
                client.close()
                await hub.stop()
                cells[caller.rawValue] = seen.answer.text
                if !seen.leaked.isEmpty {
                    problems.append("\(method) as \(caller.rawValue) answered OK with what it may not see: \(seen.leaked)")
                }
            }
            observed.append((method, cells))
        }
        problems += Self.differences(observed, from: table, columns: callers)
        if !problems.isEmpty {
            Issue.record(Comment(rawValue: problems.joined(separator: "\n") + "\n\nWhat the hub answered:\n"
                + Matrix.render(columns: callers.map(\.rawValue), rows: observed)))
        }
    }

    @Test func callersTheHandshakeDecidesGetTheDocumentedAnswers() async throws {
        let table = try Self.documentedTable()
        let hub = try TestHub()
        let directory = TestHub.makeTemporaryDirectory("matrix")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Our CA, an organisation the principals file does not list.
        let stranger = try TestHub.certificates.authority.issueClientCertificate(organisationNumber: "912345688", name: "UKJENT AS")
        try stranger.write(certificateTo: directory + "/stranger.pem", keyTo: directory + "/stranger.key")
        // Another CA's certificate for the demo bank's own organisation number.
        let foreign = try DevCertificates.foreignClient()
        try foreign.client.write(certificateTo: directory + "/foreign.pem", keyTo: directory + "/foreign.key")
        let ca = TestHub.certificates.path("ca.pem")

        func connect(_ caller: Matrix.Caller) throws(RPCError) -> ConsentClient {
            switch caller {
            case .unknownOrganisation:
                return try ConsentClient(configuration: .init(
                    host: "127.0.0.1", port: hub.port, caFile: ca, certificateFile: directory + "/stranger.pem", keyFile: directory + "/stranger.key"))
            case .foreignCA:
                return try ConsentClient(configuration: .init(
                    host: "127.0.0.1", port: hub.port, caFile: ca, certificateFile: directory + "/foreign.pem", keyFile: directory + "/foreign.key"))
            default:
                let tls: TLSContext
                do {
                    tls = try TLSContext(configuration: .client(caFile: ca, certificateChainFile: nil, privateKeyFile: nil))
                } catch {
                    throw RPCError(.internalError, "cannot make a TLS context without a certificate: \(error)")
                }
                return try ConsentClient(connection: .init(host: "127.0.0.1", port: hub.port, tls: tls))
            }
        }

        let callers = Matrix.Caller.allCases.filter { $0.inProcessName == nil }
        var observed: [(method: String, cells: [String: String])] = []
        for method in try Self.servedMethods() {
            guard let call = Matrix.calls[method] else { continue }
            var cells: [String: String] = [:]
            for caller in callers {
                do {
                    let client = try connect(caller)
                    let seen = await Matrix.observe(method, call, fixture: Matrix.Fixture(placeholder: ()), on: client,
                                                    metadata: Metadata(), forbidden: caller.forbidden)
                    client.close()
                    cells[caller.rawValue] = seen.answer.text
                } catch let error {
                    // No connection: the handshake refused the certificate (or its absence).
                    cells[caller.rawValue] = error.code == .unavailable && error.message.contains("handshake")
                        ? Matrix.Answer.handshakeRefused : "connect: \(error.code.name) \(error.message)"
                }
            }
            observed.append((method, cells))
        }
        // The hub is unharmed: its own bank is served.
        let bank = try hub.client("consumer")
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving)
        bank.close()
        await hub.stop()
        let problems = Self.differences(observed, from: table, columns: callers)
        if !problems.isEmpty {
            Issue.record(Comment(rawValue: problems.joined(separator: "\n") + "\n\nWhat the hub answered:\n"
                + Matrix.render(columns: callers.map(\.rawValue), rows: observed)))
        }
    }

    /// The cells where the hub's answer is not the table's.
    static func differences(_ observed: [(method: String, cells: [String: String])], from table: Matrix.Table,
                            columns: [Matrix.Caller]) -> [String] {
        var problems: [String] = []
        for (method, cells) in observed {
            guard let row = table.rows.first(where: { $0.method == method }) else { continue }  // reported by the shape test
            for caller in columns {
                let expected = row.cells[caller.rawValue] ?? "(no column)"
                let actual = cells[caller.rawValue] ?? "(not called)"
                if expected != actual {
                    problems.append("\(method) as \(caller.rawValue): the table says \(expected), the hub answered \(actual)")
                }
            }
        }
        return problems
    }
}
