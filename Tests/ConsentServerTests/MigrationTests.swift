#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentStore
import ConsentTesting
import Foundation
import Synchronization
import Testing
@testable import ConsentServer

/// `consentd migrate` and `consentd --verify-data --postgres`: an embedded
/// log holding every kind of event moves into PostgreSQL with the same
/// state; bad inputs are refused with a clear message and change nothing.
@Suite struct MigrationTests {
    static let nav = DemoRegistry.nav
    static let bank = DemoRegistry.bankenAS

    /// A log in `directory` with every kind of domain event (EventKind), made
    /// through the ledger as the services make them; returns its state.
    static func logWithEveryKindOfEvent(_ directory: String) throws -> ConsentState {
        var options = LogOptions()
        options.log = { _ in }
        options.snapshotEveryRecords = 5  // snapshots too: the migration reads the segments regardless
        let ledger = try ConsentLedger(directory: directory, options: options)
        defer { ledger.close() }
        let start = SystemClock().now()
        func run(_ command: Command, by actor: Actor, at time: Timestamp = start) throws -> CommandResult {
            try ledger.execute(command, by: actor, at: time).result.get()
        }
        for seed in DemoRegistry.commands { _ = try run(seed.command, by: seed.actor) }  // resourceRegistered, consumerAuthorised
        let other = try OrganisationNumber(validating: "912345688")
        _ = try run(.authoriseConsumer(ConsumerAuthorisation(resource: DemoRegistry.disabilityBenefits, consumer: other, consumerName: "ANNEN BANK AS", redirectDomains: ["annen.example"])), by: .dataSource(nav))
        _ = try run(.deauthoriseConsumer(resource: DemoRegistry.disabilityBenefits, consumer: other), by: .dataSource(nav))  // consumerDeauthorised
        let user = EndUser(nationalId: try NationalIdentityNumber(validating: TestHub.demoUserID), assuranceLevel: .high, name: "HÅKON TRANA")
        func create(validFor days: Int64) throws -> RequestID {
            let request = NewConsentRequest(
                resources: [ResourceRequest(DemoRegistry.disabilityBenefits, metadata: [MetadataValue("fraOgMed", "01.01.2024"), MetadataValue("tilOgMed", "31.12.2024")])],
                redirectURL: "https://banken.example/samtykke/svar", validTo: start + .seconds(days * 86_400), purpose: "Behandle søknaden din")
            guard case .request(let view) = try run(.createRequest(request), by: .consumer(bank)) else { throw DurabilityTestError("no request") }
            return view.id  // requestCreated
        }
        let used = try create(validFor: 365)
        let code: [UInt8] = Array(repeating: 7, count: 32)
        _ = try run(.acceptRequest(used, code: CodeGrant(codeHash: code)), by: .endUser(user))  // requestAccepted
        _ = try run(.exchangeCode(codeHash: code), by: .consumer(bank))  // codeExchanged
        _ = try? run(.exchangeCode(codeHash: code), by: .consumer(bank))  // codeReuseAttempted (refused)
        _ = try run(.logUse(UseReport(consent: used, resource: DemoRegistry.disabilityBenefits, usedAt: start)), by: .dataSource(nav))  // consentUsed
        _ = try run(.revokeConsent(used), by: .endUser(user))  // consentRevoked
        _ = try run(.rejectRequest(try create(validFor: 365)), by: .endUser(user))  // requestRejected
        _ = try run(.acceptRequest(try create(validFor: 2), code: CodeGrant(codeHash: Array(repeating: 8, count: 32))), by: .endUser(user))
        _ = try create(validFor: 365)  // left unanswered
        _ = try run(.deleteRequest(try create(validFor: 365)), by: .consumer(bank))  // requestDeleted
        // A consent template, a resource naming it (resourceRegistered version 4), a request pinning it.
        _ = try run(.registerTemplate(ConsentTemplate(id: "nav-fullmakt", owner: nav, kind: .powerOfAttorney,
                                                      heading: LocalizedText(bokmal: "Fullmakt"),
                                                      intro: LocalizedText(bokmal: "{CoveredByName} ber om fullmakt."))),
                    by: .dataSource(nav))  // templateRegistered
        var named = DemoRegistry.navResource
        named.consentTemplate = "nav-fullmakt"
        _ = try run(.registerResource(named), by: .dataSource(nav))
        _ = try create(validFor: 365)
        let vendor = try OrganisationNumber(validating: "913456785")
        _ = try run(.authoriseVendor(VendorAuthorisation(consumer: bank, vendor: vendor, vendorName: "BANKSYSTEMER AS",
                                                         resources: [DemoRegistry.disabilityBenefits])), by: .consumer(bank))  // vendorAuthorised
        _ = try run(.deauthoriseVendor(consumer: bank, vendor: vendor), by: .consumer(bank))  // vendorDeauthorised
        // A year later the unanswered request and the two-day consent have ended.
        _ = try run(.expireDue(limit: 100), by: .system, at: start + .seconds(400 * 86_400))  // requestExpired, consentExpired
        return try ledger.read { $0 }.value
    }

    static func consentd(_ arguments: [String]) -> (status: Int32, output: String) {
        do {
            return (0, try ChildProcess.run([ConsentdProcess.binary] + arguments))
        } catch let failure as ChildProcess.Failure {
            return (failure.status, failure.output)
        } catch {
            return (-1, "\(error)")
        }
    }

    @Test func aLogWithEveryKindOfEventMovesToPostgreSQLWithTheSameState() async throws {
        let directory = TestHub.makeTemporaryDirectory("migrate") + "/data"
        let fromLog = try Self.logWithEveryKindOfEvent(directory)
        // Every kind of event is in the log.
        var kinds = Set<EventKind>()
        try LogReader.forEachRecord(directory: directory) { (_, _, payload) throws(StoreError) in
            if let event = try? EventCodec.decode(Array(payload)) { kinds.insert(event.kind) }
        }
        #expect(kinds == Set(EventKind.allCases), "missing: \(Set(EventKind.allCases).subtracting(kinds))")

        let database = try TestPostgres.shared.createDatabase()
        let migrated = Self.consentd(["migrate", "--from-data-dir", directory, "--to-postgres", database])
        #expect(migrated.status == 0, "\(migrated.output)")
        #expect(migrated.output.contains("the states rebuilt from the log and from PostgreSQL are identical"), "\(migrated.output)")
        #expect(migrated.output.contains("result: migrated (exit 0)"))

        // A node on the database serves exactly the log's state.
        let hub = try TestHub(demoRegistry: false, postgres: database)
        #expect(try hub.server.ledger.read { $0 }.value == fromLog)
        await hub.stop()

        // --verify-data on both stores.
        var embedded = ServerConfiguration()
        embedded.dataDirectory = directory
        #expect(DataVerification.check(embedded).verdict == .healthy)
        var postgres = ServerConfiguration()
        postgres.postgres = database
        postgres.dataDirectory = TestHub.makeTemporaryDirectory("verify")
        let verified = DataVerification.check(postgres)
        #expect(verified.verdict == .healthy, "\(verified.text)")
        #expect(verified.text.contains("events: \(fromLog.lastSequence), sequence 1...\(fromLog.lastSequence)"), "\(verified.text)")

        // Only into an empty database.
        let again = Self.consentd(["migrate", "--from-data-dir", directory, "--to-postgres", database])
        #expect(again.status == 2)
        #expect(again.output.contains("already holds \(fromLog.lastSequence) events: migrate only into an empty database"), "\(again.output)")
    }

    @Test func badMigrationsAreRefusedClearlyAndChangeNothing() throws {
        let database = try TestPostgres.shared.createDatabase()
        let missing = Self.consentd(["migrate", "--from-data-dir", "/nonexistent/consentd", "--to-postgres", database])
        #expect(missing.status == 2)
        #expect(missing.output.contains("--from-data-dir /nonexistent/consentd: no such directory"), "\(missing.output)")
        let usage = Self.consentd(["migrate", "--from-data-dir", "/tmp"])
        #expect(usage.status == 2)
        #expect(usage.output.contains("migrate needs --from-data-dir DIR and --to-postgres CONNINFO"), "\(usage.output)")

        // A directory a consentd is using.
        let directory = TestHub.makeTemporaryDirectory("migrate-busy") + "/data"
        var options = LogOptions()
        options.log = { _ in }
        let ledger = try ConsentLedger(directory: directory, options: options)
        let busy = Self.consentd(["migrate", "--from-data-dir", directory, "--to-postgres", database])
        ledger.close()
        #expect(busy.status == 2)
        #expect(busy.output.contains("is in use by another consentd"), "\(busy.output)")

        // A database that cannot be reached (and no password in any message).
        let unreachable = Self.consentd(["migrate", "--from-data-dir", directory, "--to-postgres", "host=127.0.0.1 port=1 dbname=x password=s3cret connect_timeout=2"])
        #expect(unreachable.status == 2)
        #expect(unreachable.output.contains("cannot connect to PostgreSQL"), "\(unreachable.output)")
        #expect(!unreachable.output.contains("s3cret"))
        #expect(try TestPostgres.shared.psql("SELECT to_regclass('consent_events') IS NULL", database: TestPostgres.databaseName(of: database)) == "t",
                "nothing was created in the database by the refused migrations")
    }

    @Test func verifyDataOnPostgreSQLFindsAGapAndARecordTheStateRejects() async throws {
        let server = try TestPostgres.shared
        let hub = try TestHub(storage: .postgres)
        let database = hub.postgres!
        let name = TestPostgres.databaseName(of: database)
        // The demo registry's records are written once the node is active,
        // which under a loaded test run can follow the hub's start by a
        // while: altering record 3 of an empty table would test nothing (a
        // full `make test` once stopped the hub with no events written).
        var written = 0
        for _ in 0..<600 where written < 3 {
            written = Int(try server.psql("SELECT count(*) FROM consent_events", database: name)) ?? 0
            if written < 3 { usleep(100_000) }
        }
        try #require(written >= 3, "the demo registry's records reached the database")
        await hub.stop()
        var configuration = ServerConfiguration()
        configuration.postgres = database
        configuration.dataDirectory = TestHub.makeTemporaryDirectory("verify")
        #expect(DataVerification.check(configuration).verdict == .healthy)

        try server.psql("UPDATE consent_events SET payload = '\\x00ff' WHERE seq = 3", database: name)
        let rejected = DataVerification.check(configuration)
        #expect(rejected.verdict == .damaged)
        #expect(rejected.text.contains("failed at sequence 3"), "\(rejected.text)")

        try server.psql("DELETE FROM consent_events WHERE seq = 2", database: name)
        let gap = DataVerification.check(configuration)
        #expect(gap.verdict == .damaged)
        #expect(gap.text.contains("found sequence 3 where 2 was expected"), "\(gap.text)")

        configuration.postgres = "host=127.0.0.1 port=1 dbname=nothing connect_timeout=2"
        let unusable = DataVerification.check(configuration)
        #expect(unusable.verdict == .unusable)
        #expect(unusable.text.contains("cannot connect to PostgreSQL"), "\(unusable.text)")
    }

    /// A `consentd migrate` that stops half-way (here: the database refuses
    /// the third transaction; a crash leaves the same) must leave a database
    /// that no node serves and `--verify-data` calls damaged, until the same
    /// migration, run again, finishes the copy and verifies it.
    @Test func aMigrationThatStopsHalfWayLeavesADatabaseNoNodeServesUntilItIsRunAgain() async throws {
        let directory = TestHub.makeTemporaryDirectory("migrate-half") + "/data"
        let fromLog = try Self.logWithEveryKindOfEvent(directory)
        let database = try TestPostgres.shared.createDatabase()
        let name = TestPostgres.databaseName(of: database)
        // The tables exist (a node started once); then the database refuses record 8.
        await (try TestHub(demoRegistry: false, postgres: database)).stop()
        try TestPostgres.shared.psql("""
            CREATE FUNCTION refuse_eighth() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.seq = 8 THEN RAISE EXCEPTION 'could not extend file: No space left on device'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_eighth BEFORE INSERT ON consent_events FOR EACH ROW EXECUTE FUNCTION refuse_eighth();
            """, database: name)
        let lines = Mutex<[String]>([])
        let stopped = Migration.run(from: directory, to: database, lease: .seconds(1), batchRecords: 3) { line in lines.withLock { $0.append(line) } }
        #expect(stopped.verdict != .migrated, "\(stopped.text)")
        #expect(stopped.text.contains("No space left on device"), "\(stopped.text)")
        #expect(try TestPostgres.shared.psql("SELECT count(*) FROM consent_events", database: name) == "6", "two of the transactions were committed")

        // No node serves the partial copy, and it says why.
        #expect {
            _ = try TestHub(demoRegistry: false, postgres: database, waitUntilActive: false)
        } throws: { error in
            "\(error)".contains("is marked as being migrated (consentd migrate from \(directory)")
                && "\(error)".contains("Run the same consentd migrate again")
        }
        var postgres = ServerConfiguration()
        postgres.postgres = database
        postgres.dataDirectory = TestHub.makeTemporaryDirectory("verify")
        let verified = DataVerification.check(postgres)
        #expect(verified.verdict == .damaged, "\(verified.text)")
        #expect(verified.text.contains("is marked as being migrated"), "\(verified.text)")

        // Run again, it continues after the 6 records, verifies the whole copy and clears the mark.
        try TestPostgres.shared.psql("DROP TRIGGER refuse_eighth ON consent_events", database: name)
        let again = Self.consentd(["migrate", "--from-data-dir", directory, "--to-postgres", database])
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("continuing an unfinished migration"), "\(again.output)")
        #expect(again.output.contains("copied \(fromLog.lastSequence - 6) events (sequence 7...\(fromLog.lastSequence))"), "\(again.output)")
        #expect(try TestPostgres.shared.psql("SELECT migrating IS NULL FROM consent_meta", database: name) == "t")
        #expect(DataVerification.check(postgres).verdict == .healthy)
        let hub = try TestHub(demoRegistry: false, postgres: database)
        #expect(try hub.server.ledger.read { $0 }.value == fromLog)
        await hub.stop()
    }
}
