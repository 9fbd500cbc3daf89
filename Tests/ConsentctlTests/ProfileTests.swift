import Foundation
import Testing
@testable import ConsentCLI

/// Connection settings: flag > environment > profile > default, and the profile file.
@Suite struct ProfileTests {
    static func writeProfiles(_ text: String) throws -> String {
        let directory = NSTemporaryDirectory() + "consentctl-profiles-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/profiles.conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let text = """
        # two principals
        [default]
        server = 10.0.0.1:7443
        ca = ca.pem
        cert = consumer.pem
        key = consumer.key

        [portal]
        server = 10.0.0.2:7443   # the portal's hub
        ca = /abs/ca.pem
        cert = portal.pem
        key = portal.key
        user-id = 15038512363
        assurance-level = 4
        timeout = 2.5
        """

    static func resolve(_ arguments: [String], _ environment: [String: String]) throws(CLIError) -> ConnectionSettings {
        try ConnectionSettings.resolve(try ArgumentParser.parse(arguments[...], specs: GlobalOptions.specs), environment: environment)
    }

    @Test func theDefaultProfileAppliesWithRelativePathsBesideTheFile() throws {
        let path = try Self.writeProfiles(Self.text)
        let directory = (path as NSString).deletingLastPathComponent
        let s = try Self.resolve(["--profile-file", path], [:])
        #expect(s.server == "10.0.0.1:7443")
        #expect(s.ca == directory + "/ca.pem" && s.cert == directory + "/consumer.pem" && s.key == directory + "/consumer.key")
        #expect(s.timeout == 10 && s.userID == nil)
        #expect(s.profile?.name == "default" && s.profile?.file == path)
        #expect(s.sources["server"] == .profile("default") && s.sources["timeout"] == nil)
    }

    @Test func flagBeatsEnvironmentBeatsProfileBeatsDefault() throws {
        let path = try Self.writeProfiles(Self.text)
        let environment = ["CONSENT_PROFILE_FILE": path, "CONSENT_PROFILE": "portal", "CONSENT_SERVER": "env:1", "CONSENT_CERT": "/env/cert.pem"]
        let s = try Self.resolve(["--server", "flag:2"], environment)
        #expect(s.server == "flag:2" && s.sources["server"] == .flag)
        #expect(s.cert == "/env/cert.pem" && s.sources["cert"] == .environment("CONSENT_CERT"))
        #expect(s.ca == "/abs/ca.pem" && s.sources["ca"] == .profile("portal"))
        #expect(s.timeout == 2.5 && s.userID == "15038512363" && s.assuranceLevel == "4")
        #expect(s.callOptions.metadata.count == 2, "the portal's statement of the end user")
        // The flag names the profile over the environment variable.
        let d = try Self.resolve(["--profile", "default"], environment)
        #expect(d.profile?.name == "default" && d.server == "env:1")
    }

    @Test func withoutAProfileFileOnlyFlagsAndEnvironmentCount() throws {
        let s = try Self.resolve(["--ca", "a.pem"], ["HOME": "/nonexistent", "CONSENT_TIMEOUT": "3"])
        #expect(s.server == "127.0.0.1:7443" && s.ca == "a.pem" && s.timeout == 3 && s.profile == nil)
        #expect(throws: CLIError.self) { try s.requireTLSFiles() }
    }

    @Test func profileMistakesSayWhereAndWhat() throws {
        let path = try Self.writeProfiles(Self.text)
        func message(_ arguments: [String], _ environment: [String: String] = [:]) -> String {
            do {
                _ = try Self.resolve(arguments, environment)
                return ""
            } catch {
                return error.message
            }
        }
        #expect(message(["--profile-file", path, "--profile", "nope"]) == "profile 'nope' is not in \(path) (it has: default, portal)")
        #expect(message(["--profile", "x"], ["HOME": "/nonexistent"]).hasPrefix("profile 'x' requested but there is no profile file"))
        let broken = try Self.writeProfiles("[a]\nserver = x\ncolour = blue\n")
        #expect(message(["--profile-file", broken]).hasPrefix("\(broken):3: unknown key 'colour'"))
        let orphan = try Self.writeProfiles("server = x\n")
        #expect(message(["--profile-file", orphan]) == "\(orphan):1: expected '[profile]' or 'key = value'")
        #expect(message(["--profile-file", path, "--timeout", "-1"]).hasPrefix("timeout must be a positive number"))
        #expect(message(["--profile-file", "/nonexistent/p.conf"]) == "cannot read profile file /nonexistent/p.conf")
    }

    @Test func profileFileListsNamesInOrder() throws {
        let file = try ProfileFile.parse(Self.text, path: "/etc/hub/profiles.conf")
        #expect(file.names == ["default", "portal"])
        #expect(file.profiles["default"]?["ca"] == "/etc/hub/ca.pem")
        #expect(file.profiles["portal"]?["server"] == "10.0.0.2:7443")
    }
}
