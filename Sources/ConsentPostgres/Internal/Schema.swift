/// The tables and the functions the store keeps in its database, and the
/// statements it runs. One home for every line of SQL (docs/STORAGE.md,
/// "The PostgreSQL store").
///
/// - `consent_events`: one row per record, `seq` from 1 without gaps, the
///   `epoch` of the lease it was written under, the record's type and
///   payload (the same bytes the embedded log stores), and `chain`, the
///   history hash: SHA-256 of the previous row's `chain` and this row's
///   sequence, type and payload. Equal `chain` at a sequence means equal
///   histories up to it, so one comparison tells a node (or a snapshot)
///   whether the database still holds everything it applied, however the
///   database got there (a restore, a promoted replica, reused epochs).
/// - `consent_lease`: one row: the epoch, the active node (its address for
///   clients, its name, the server process of its writer session), when it
///   last renewed the lease and until when the lease holds, by the
///   database's clock, and how long after a renewal the holder may still
///   answer (`serves_for`).
/// - `consent_meta`: one row: the format version, the database's identity
///   (a random UUID made with the schema), which every snapshot names, and
///   `migrating`: set while `consentd migrate` copies into the database.
/// - `consent_append(epoch, first, types, payloads, prev)`: the only write.
///   It proves the lease inside the transaction (fencing), renews it, checks
///   that the batch continues the sequence and the history the writer knows
///   (`prev`, the last row's `chain`), inserts the rows with their chain,
///   notifies standbys on commit, and returns the last sequence and chain.
enum Schema {
    /// The layout version this code reads and writes. Format 1 (without the
    /// history hash, the migration mark and the serving window) is upgraded
    /// in place by ``upgradeFromFormat1``.
    static let format: Int64 = 2

    /// NOTIFY channel standbys LISTEN on; the payload is the last sequence committed.
    static let channel = "consent_events"

    /// Serialises schema creation and upgrades between nodes starting at
    /// once (an arbitrary constant: "CHub" in ASCII).
    static let creationLockKey: Int64 = 0x4348_7562

    static let exists = "SELECT to_regclass('consent_meta') IS NOT NULL, to_regclass('consent_events') IS NOT NULL"

    /// The functions of format 2. `consent_link` is the one home of the
    /// history hash (SQL, so the planner inlines it); `consent_chain` hashes
    /// a batch after a known row, for `consent_append` and for a node that
    /// must find out whether a transaction whose COMMIT it never saw answered
    /// made it into the table. (No backslash literals anywhere: with
    /// `standard_conforming_strings` off they draw a WARNING, and a warning
    /// during a COMMIT puts its outcome in doubt.)
    private static let functions = """
        CREATE OR REPLACE FUNCTION consent_link(p_prev bytea, p_seq bigint, p_type smallint, p_payload bytea)
        RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS
        $f$ SELECT sha256(p_prev || int8send(p_seq) || int2send(p_type) || p_payload) $f$;

        CREATE OR REPLACE FUNCTION consent_chain(p_prev bytea, p_first bigint, p_types smallint[], p_payloads bytea[])
        RETURNS bytea[] LANGUAGE plpgsql IMMUTABLE AS $f$
        DECLARE
            hashes bytea[] := '{}';
            h bytea := p_prev;
            p bytea;
            i int := 0;
        BEGIN
            FOREACH p IN ARRAY p_payloads LOOP
                i := i + 1;
                h := consent_link(h, p_first + i - 1, p_types[i], p);
                hashes[i] := h;
            END LOOP;
            RETURN hashes;
        END $f$;

        CREATE OR REPLACE FUNCTION consent_append(
            p_epoch bigint, p_first bigint, p_types smallint[], p_payloads bytea[], p_prev bytea,
            OUT last_seq bigint, OUT last_chain bytea)
        LANGUAGE plpgsql AS $f$
        DECLARE
            end_seq bigint;
            end_chain bytea;
            hashes bytea[];
        BEGIN
            -- Fencing: the row lock this takes orders the write against a
            -- takeover, and a new epoch makes it fail.
            UPDATE consent_lease SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + ttl
             WHERE id = 1 AND epoch = p_epoch;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'fenced: epoch % no longer holds the lease', p_epoch USING ERRCODE = 'CH001';
            END IF;
            SELECT e.seq, e.chain INTO end_seq, end_chain FROM consent_events e ORDER BY e.seq DESC LIMIT 1;
            IF coalesce(end_seq, 0) <> p_first - 1 THEN
                RAISE EXCEPTION 'sequence gap: the events end at %, the batch starts at %', coalesce(end_seq, 0), p_first
                    USING ERRCODE = 'CH002';
            END IF;
            IF coalesce(end_chain, ''::bytea) <> p_prev THEN
                RAISE EXCEPTION 'history mismatch: event % is not the one the writer applied', coalesce(end_seq, 0)
                    USING ERRCODE = 'CH003';
            END IF;
            hashes := consent_chain(p_prev, p_first, p_types, p_payloads);
            INSERT INTO consent_events (seq, epoch, type, payload, chain)
                SELECT p_first + u.n - 1, p_epoch, u.t, u.p, u.h
                  FROM unnest(p_types, p_payloads, hashes) WITH ORDINALITY AS u(t, p, h, n);
            last_seq := p_first + cardinality(p_payloads) - 1;
            last_chain := hashes[cardinality(hashes)];
            PERFORM pg_notify('\(channel)', last_seq::text);
        END $f$;
        """

    static let create = """
        BEGIN;
        SELECT pg_advisory_xact_lock(\(creationLockKey));
        CREATE TABLE IF NOT EXISTS consent_meta (
            id          int PRIMARY KEY CHECK (id = 1),
            format      int NOT NULL,
            database_id uuid NOT NULL DEFAULT gen_random_uuid(),
            created_at  timestamptz NOT NULL DEFAULT now(),
            migrating   text
        );
        INSERT INTO consent_meta (id, format) VALUES (1, \(format)) ON CONFLICT (id) DO NOTHING;
        CREATE TABLE IF NOT EXISTS consent_lease (
            id         int PRIMARY KEY CHECK (id = 1),
            epoch      bigint NOT NULL,
            leader     text,
            node       text,
            holder_pid int,
            ttl        interval NOT NULL DEFAULT '4 seconds',
            serves_for interval NOT NULL DEFAULT '0',
            renewed_at timestamptz NOT NULL DEFAULT '-infinity',
            expires_at timestamptz NOT NULL DEFAULT '-infinity'
        );
        INSERT INTO consent_lease (id, epoch) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        CREATE TABLE IF NOT EXISTS consent_events (
            seq         bigint PRIMARY KEY,
            epoch       bigint NOT NULL,
            type        smallint NOT NULL,
            payload     bytea NOT NULL,
            chain       bytea NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        );
        \(functions)
        COMMIT;
        """

    /// Takes the creation lock and every table for the rest of the
    /// transaction; then `meta` tells whether the upgrade is still needed
    /// (another node may have done it meanwhile).
    static let lockForUpgrade = """
        BEGIN;
        SELECT pg_advisory_xact_lock(\(creationLockKey));
        LOCK TABLE consent_meta, consent_lease, consent_events IN ACCESS EXCLUSIVE MODE;
        """

    /// Format 1 → 2, inside the transaction ``lockForUpgrade`` began: the
    /// history hash of every existing row (one pass in sequence order), the
    /// new columns, and the new `consent_append`. The old four-argument
    /// function is dropped, so a node of the older version can no longer
    /// write (its writes are refused and it fences itself).
    static let upgradeFromFormat1 = """
        ALTER TABLE consent_events ADD COLUMN chain bytea;
        ALTER TABLE consent_meta ADD COLUMN migrating text;
        ALTER TABLE consent_lease ADD COLUMN serves_for interval NOT NULL DEFAULT '0',
                                  ADD COLUMN renewed_at timestamptz NOT NULL DEFAULT '-infinity';
        DROP FUNCTION IF EXISTS consent_append(bigint, bigint, smallint[], bytea[]);
        \(functions)
        DO $u$
        DECLARE
            h bytea := ''::bytea;
            r record;
        BEGIN
            FOR r IN SELECT seq, type, payload FROM consent_events ORDER BY seq LOOP
                h := consent_link(h, r.seq, r.type, r.payload);
                UPDATE consent_events SET chain = h WHERE seq = r.seq;
            END LOOP;
        END $u$;
        ALTER TABLE consent_events ALTER COLUMN chain SET NOT NULL;
        UPDATE consent_meta SET format = \(format) WHERE id = 1;
        COMMIT;
        """

    /// The format, readable in every format.
    static let formatOnly = "SELECT format FROM consent_meta WHERE id = 1"

    /// Format, identity, and the migration mark (NULL when none), in format 2.
    static let meta = "SELECT format, database_id::text, migrating FROM consent_meta WHERE id = 1"

    /// $1 epoch, $2 first sequence, $3 int2[] types, $4 bytea[] payloads,
    /// $5 the chain of the record before $2 (empty before the first).
    static let append = "SELECT last_seq, last_chain FROM consent_append($1, $2, $3, $4, $5)"

    /// Takes the lease when it expired, or when its holder's session is
    /// gone (kill -9, pg_terminate_backend, a database restart) and the
    /// holder's serving window after its last renewal has passed, so that
    /// two nodes never answer at once: $1 address for clients, $2 node name,
    /// $3 lease duration and $4 this node's serving window (plus margin), in
    /// milliseconds; $5 true only for `consentd migrate`, which may take the
    /// lease of a database marked as being migrated. Returns the new epoch,
    /// or no row while another node holds it.
    static let takeOver = """
        UPDATE consent_lease
           SET epoch = epoch + 1, leader = $1, node = $2, holder_pid = pg_backend_pid(),
               ttl = $3 * interval '1 millisecond', serves_for = $4 * interval '1 millisecond',
               renewed_at = clock_timestamp(), expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE id = 1
           AND (expires_at < clock_timestamp()
                OR (renewed_at + serves_for < clock_timestamp()
                    AND (holder_pid IS NULL
                         OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = consent_lease.holder_pid))))
           AND ($5 OR (SELECT m.migrating IS NULL FROM consent_meta m WHERE m.id = 1))
        RETURNING epoch
        """

    /// Renews the lease of epoch $1; no row: it was taken over (fenced).
    static let renew = """
        UPDATE consent_lease SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + ttl
         WHERE id = 1 AND epoch = $1 RETURNING epoch
        """

    /// Gives the lease up at a clean stop (the node stopped answering
    /// first), so a standby takes over at once.
    static let release = """
        UPDATE consent_lease SET expires_at = '-infinity', renewed_at = '-infinity', holder_pid = NULL WHERE id = 1 AND epoch = $1
        """

    /// The lease as a standby sees it: epoch, leader address, node name,
    /// whether it is still valid, whether its holder's session is alive, and
    /// the migration mark.
    static let lease = """
        SELECT epoch, coalesce(leader, ''), coalesce(node, ''), expires_at > clock_timestamp(),
               holder_pid IS NOT NULL AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = consent_lease.holder_pid),
               (SELECT m.migrating FROM consent_meta m WHERE m.id = 1)
          FROM consent_lease WHERE id = 1
        """

    static let lastSequence = "SELECT coalesce(max(seq), 0) FROM consent_events"

    /// The last sequence, and the history hash of record $1 (NULL: no such record).
    static let endAndChain = "SELECT coalesce(max(seq), 0), (SELECT chain FROM consent_events WHERE seq = $1) FROM consent_events"

    /// Records after $1 up to $2, at most $3, in order.
    static let read = "SELECT seq, chain, type, payload FROM consent_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"

    /// The history hash of record $1 (no row: the table has no such record).
    static let chain = "SELECT chain FROM consent_events WHERE seq = $1"

    /// Whether record $1's chain is the one the batch ($3 types, $4
    /// payloads) makes after a record with chain $2 at sequence $1 - count:
    /// true when that batch is in the table, exactly; no row when the table
    /// has no record $1.
    static let batchIsCommitted = """
        SELECT e.chain = (consent_chain($2, $1 - cardinality($4) + 1, $3, $4))[cardinality($4)]
          FROM consent_events e WHERE e.seq = $1
        """

    /// Rows whose history hash does not follow from the row before (the
    /// table was changed other than by `consent_append`): how many, and the first.
    static let brokenLinks = """
        SELECT count(*), min(e.seq)
          FROM consent_events e LEFT JOIN consent_events p ON p.seq = e.seq - 1
         WHERE e.chain IS DISTINCT FROM
               consent_link(CASE WHEN e.seq = 1 THEN ''::bytea ELSE p.chain END, e.seq, e.type, e.payload)
        """

    /// Marks the database as being migrated ($1 says by whom and from
    /// where), while the lease of epoch $2 is held; no row: the lease is not.
    static let markMigrating = """
        UPDATE consent_meta SET migrating = $1
         WHERE id = 1 AND (SELECT l.epoch FROM consent_lease l WHERE l.id = 1) = $2 RETURNING 1
        """

    /// Clears the migration mark once the copy was verified.
    static let clearMigrating = "UPDATE consent_meta SET migrating = NULL WHERE id = 1"
}
