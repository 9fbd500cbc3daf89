/// The tables and the one function the store keeps in its database, and the
/// statements it runs. One home for every line of SQL (docs/STORAGE.md,
/// "The PostgreSQL store").
///
/// - `consent_events`: one row per record, `seq` from 1 without gaps, the
///   `epoch` of the lease it was written under, the record's type and
///   payload (the same bytes the embedded log stores).
/// - `consent_lease`: one row: the epoch, the active node (its address for
///   clients, its name, the server process of its writer session) and until
///   when the lease holds, by the database's clock.
/// - `consent_meta`: one row: the format version and the database's identity
///   (a random UUID made with the schema), which every snapshot names.
/// - `consent_append(epoch, first, types, payloads)`: the only write. It
///   proves the lease inside the transaction (fencing), renews it, checks
///   that the batch continues the sequence, inserts the rows and notifies
///   standbys on commit.
enum Schema {
    /// The layout version this code reads and writes.
    static let format: Int64 = 1

    /// NOTIFY channel standbys LISTEN on; the payload is the last sequence committed.
    static let channel = "consent_events"

    /// Serialises schema creation between nodes starting at once (an
    /// arbitrary constant: "CHub" in ASCII).
    static let creationLockKey: Int64 = 0x4348_7562

    static let exists = "SELECT to_regclass('consent_meta') IS NOT NULL, to_regclass('consent_events') IS NOT NULL"

    static let create = """
        BEGIN;
        SELECT pg_advisory_xact_lock(\(creationLockKey));
        CREATE TABLE IF NOT EXISTS consent_meta (
            id          int PRIMARY KEY CHECK (id = 1),
            format      int NOT NULL,
            database_id uuid NOT NULL DEFAULT gen_random_uuid(),
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO consent_meta (id, format) VALUES (1, \(format)) ON CONFLICT (id) DO NOTHING;
        CREATE TABLE IF NOT EXISTS consent_lease (
            id         int PRIMARY KEY CHECK (id = 1),
            epoch      bigint NOT NULL,
            leader     text,
            node       text,
            holder_pid int,
            ttl        interval NOT NULL DEFAULT '4 seconds',
            expires_at timestamptz NOT NULL DEFAULT '-infinity'
        );
        INSERT INTO consent_lease (id, epoch) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        CREATE TABLE IF NOT EXISTS consent_events (
            seq         bigint PRIMARY KEY,
            epoch       bigint NOT NULL,
            type        smallint NOT NULL,
            payload     bytea NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE OR REPLACE FUNCTION consent_append(p_epoch bigint, p_first bigint, p_types smallint[], p_payloads bytea[])
        RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            last_seq bigint;
        BEGIN
            -- Fencing: the row lock this takes orders the write against a
            -- takeover, and a new epoch makes it fail.
            UPDATE consent_lease SET expires_at = clock_timestamp() + ttl WHERE id = 1 AND epoch = p_epoch;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'fenced: epoch % no longer holds the lease', p_epoch USING ERRCODE = 'CH001';
            END IF;
            SELECT max(seq) INTO last_seq FROM consent_events;
            IF coalesce(last_seq, 0) <> p_first - 1 THEN
                RAISE EXCEPTION 'sequence gap: the events end at %, the batch starts at %', coalesce(last_seq, 0), p_first
                    USING ERRCODE = 'CH002';
            END IF;
            INSERT INTO consent_events (seq, epoch, type, payload)
                SELECT p_first + u.n - 1, p_epoch, u.t, u.p FROM unnest(p_types, p_payloads) WITH ORDINALITY AS u(t, p, n);
            PERFORM pg_notify('\(channel)', (p_first + cardinality(p_payloads) - 1)::text);
            RETURN p_first + cardinality(p_payloads) - 1;
        END $$;
        COMMIT;
        """

    static let meta = "SELECT format, database_id::text FROM consent_meta WHERE id = 1"

    /// $1 epoch, $2 first sequence, $3 int2[] types, $4 bytea[] payloads.
    static let append = "SELECT consent_append($1, $2, $3, $4)"

    /// Takes the lease when it expired or its holder's session is gone
    /// (kill -9, pg_terminate_backend, a database restart): $1 address for
    /// clients, $2 node name, $3 lease duration in milliseconds. Returns the
    /// new epoch, or no row while another node holds it.
    static let takeOver = """
        UPDATE consent_lease
           SET epoch = epoch + 1, leader = $1, node = $2, holder_pid = pg_backend_pid(),
               ttl = $3 * interval '1 millisecond', expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE id = 1
           AND (expires_at < clock_timestamp() OR holder_pid IS NULL
                OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = consent_lease.holder_pid))
        RETURNING epoch
        """

    /// Renews the lease of epoch $1; no row: it was taken over (fenced).
    static let renew = "UPDATE consent_lease SET expires_at = clock_timestamp() + ttl WHERE id = 1 AND epoch = $1 RETURNING epoch"

    /// Gives the lease up at a clean stop, so a standby takes over at once.
    static let release = "UPDATE consent_lease SET expires_at = '-infinity', holder_pid = NULL WHERE id = 1 AND epoch = $1"

    /// The lease as a standby sees it: epoch, leader address, node name,
    /// whether it is still valid and whether its holder's session is alive.
    static let lease = """
        SELECT epoch, coalesce(leader, ''), coalesce(node, ''), expires_at > clock_timestamp(),
               holder_pid IS NOT NULL AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = consent_lease.holder_pid)
          FROM consent_lease WHERE id = 1
        """

    static let lastSequence = "SELECT coalesce(max(seq), 0) FROM consent_events"

    /// Records after $1 up to $2, at most $3, in order.
    static let read = "SELECT seq, epoch, type, payload FROM consent_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"

    /// The record a snapshot ends with, to check that the snapshot belongs to this history.
    static let record = "SELECT epoch, type, payload FROM consent_events WHERE seq = $1"
}
