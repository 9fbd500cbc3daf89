import ConsentPostgres
import ConsentStore
import ConsentTesting
import Foundation
import Testing

/// Tables written by the first PostgreSQL store (format 1: no history hash,
/// no migration mark, no serving window) are upgraded in place by the first
/// node that opens them, and keep every event.
@Suite(.serialized) struct SchemaUpgradeTests {
    /// Format 1 as c8912e2 created it, holding three events.
    static let format1 = """
        CREATE TABLE consent_meta (id int PRIMARY KEY CHECK (id = 1), format int NOT NULL,
            database_id uuid NOT NULL DEFAULT gen_random_uuid(), created_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO consent_meta (id, format) VALUES (1, 1);
        CREATE TABLE consent_lease (id int PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL, leader text, node text,
            holder_pid int, ttl interval NOT NULL DEFAULT '4 seconds', expires_at timestamptz NOT NULL DEFAULT '-infinity');
        INSERT INTO consent_lease (id, epoch) VALUES (1, 3);
        CREATE TABLE consent_events (seq bigint PRIMARY KEY, epoch bigint NOT NULL, type smallint NOT NULL,
            payload bytea NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now());
        CREATE FUNCTION consent_append(p_epoch bigint, p_first bigint, p_types smallint[], p_payloads bytea[])
        RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN 0; END $$;
        INSERT INTO consent_events (seq, epoch, type, payload) VALUES
            (1, 1, 1, convert_to('a', 'UTF8')), (2, 2, 1, convert_to('b', 'UTF8')), (3, 3, 1, convert_to('c', 'UTF8'));
        ALTER TABLE consent_meta OWNER TO consentd;
        ALTER TABLE consent_lease OWNER TO consentd;
        ALTER TABLE consent_events OWNER TO consentd;
        ALTER FUNCTION consent_append(bigint, bigint, smallint[], bytea[]) OWNER TO consentd;
        """

    @Test func tablesOfFormat1AreUpgradedInPlaceKeepingEveryEvent() throws {
        let database = try TestDatabase()
        defer { database.remove() }
        try database.sql(Self.format1)
        let before = PostgresVerifier.verify(Tally.self, options: database.options())
        #expect(before.unusable?.contains("format 1") == true, "\(before.unusable ?? "")")

        let node = try TestNode(database.open())
        defer { node.close() }
        #expect(node.report.lastSequence == 3)
        #expect(node.records.map { String(decoding: $0.dropFirst(), as: UTF8.self) } == ["a", "b", "c"])
        #expect(database.lines.contains("upgrading the tables in"), "\(database.lines.all)")
        #expect(try database.sql("SELECT format FROM consent_meta") == "2")
        #expect(try database.sql("SELECT count(*) FROM consent_events WHERE chain IS NULL OR length(chain) <> 32") == "0")
        // The old four-argument write is gone: a node of the older version can no longer write.
        #expect(try database.sql("SELECT count(*) FROM pg_proc WHERE proname = 'consent_append'") == "1")

        try node.waitUntilActive()
        #expect(try node.write([record("d")]).get() == 4)
        #expect(try database.payloads() == "a,b,c,d")
        let after = PostgresVerifier.verify(Tally.self, options: database.options(snapshots: TestHub.makeTemporaryDirectory("pg-verify")))
        #expect(after.isHealthy, "\(after.problems) \(after.unusable ?? "")")
        #expect(after.lastSequence == 4)
    }
}
