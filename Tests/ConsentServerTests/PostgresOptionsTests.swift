import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// The options of a node on PostgreSQL: `--postgres` (also in a config
/// file), `--lease`, `--advertise`, `--verify-data` with `--postgres`, and
/// `migrate`; bad values are refused naming the option.
struct PostgresOptionsTests {
    @Test func postgresLeaseAndAdvertiseComeFromFlagsAndTheConfigFile() throws {
        let file = TestHub.makeTemporaryDirectory("config") + "/consentd.conf"
        try "postgres = host=db1 dbname=consent user=consentd\nlease = 2.5\nadvertise = node1.example:7443\n".write(toFile: file, atomically: true, encoding: .utf8)
        guard case .serve(let c) = try ServerOptions.parse(["--config", file]) else {
            Issue.record("expected a serve command")
            return
        }
        #expect(c.postgres == "host=db1 dbname=consent user=consentd")
        #expect(c.usesPostgres)
        #expect(c.leaseSeconds == 2.5)
        #expect(c.advertiseAddress == "node1.example:7443")
        #expect(c.postgresOptions { _ in }.leaseDuration == .milliseconds(2500))
        #expect(c.postgresOptions { _ in }.snapshotDirectory == c.dataDirectory, "--data-dir holds the node's snapshots")
        #expect(!ServerConfiguration().usesPostgres, "without --postgres nothing changes: the embedded log")

        guard case .verifyData(let v) = try ServerOptions.parse(["--verify-data", "--postgres", "dbname=x"]) else {
            Issue.record("expected --verify-data")
            return
        }
        #expect(v.usesPostgres)
    }

    @Test func badNodeOptionsAreRefusedNamingTheOption() {
        #expect {
            _ = try ServerOptions.parse(["--lease", "0.1"])
        } throws: { error in
            (error as? ConfigurationError)?.message == "--lease: lease must be from 0.5 to 60 seconds, not '0.1'"
        }
        #expect {
            _ = try ServerOptions.parse(["--advertise", "nohost"])
        } throws: { error in
            (error as? ConfigurationError)?.message.hasPrefix("--advertise: ") == true
        }
    }

    @Test func migrateTakesBothPlacesAndNothingElse() throws {
        #expect(try ServerOptions.parse(["migrate", "--from-data-dir", "/var/lib/consentd", "--to-postgres", "dbname=consent"])
                == .migrate(from: "/var/lib/consentd", to: "dbname=consent"))
        #expect(try ServerOptions.parse(["migrate", "--from-data-dir=/d", "--to-postgres=dbname=c"]) == .migrate(from: "/d", to: "dbname=c"))
        #expect {
            _ = try ServerOptions.parse(["migrate", "--from-data-dir", "/d", "--listen", "x"])
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("migrate: unexpected argument '--listen'") == true
        }
        #expect(ServerOptions.helpText().contains("consentd migrate --from-data-dir DIR --to-postgres CONNINFO"))
    }

    /// A connection string the shell split at a space (not quoted) leaves a
    /// piece that may hold the password: the refusal never quotes it.
    @Test func anUnquotedConnectionStringIsRefusedWithoutQuotingAPieceOfIt() {
        for arguments in [
            ["--postgres", "host=db1", "password=s3cret", "dbname=consent"],
            ["migrate", "--from-data-dir", "/d", "--to-postgres", "host=db1", "password=s3cret"],
            ["migrate", "--from-data-dir", "/d", "--to-postgres", "postgresql://consentd:s3cret@db1/consent", "x:s3cret@db2"],
        ] {
            #expect {
                _ = try ServerOptions.parse(arguments)
            } throws: { error in
                let message = (error as? ConfigurationError)?.message ?? ""
                return message.contains("unexpected argument (not shown: it looks like a piece of a connection string")
                    && !message.contains("s3cret")
            }
        }
        #expect {
            _ = try ServerOptions.parse(["serve"])
        } throws: { error in
            (error as? ConfigurationError)?.message == "unexpected argument 'serve' (see consentd --help)"
        }
    }
}
