import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentTesting
import Foundation
import Synchronization
import Testing
@testable import ConsentCLI

/// Exit codes and messages, through the tool's dispatcher, with commands
/// that fail each way and with real calls to a live hub.
@Suite(.serialized) struct ExitCodeTests {
    final class Captured: Sendable {
        let out = Mutex<[String]>([])
        let err = Mutex<[String]>([])
        var stdout: String { out.withLock { $0.joined(separator: "\n") } }
        var stderr: String { err.withLock { $0.joined(separator: "\n") } }
    }

    static let health = Command(name: "health", summary: "Health.Check", usage: "health") { invocation throws(CLIError) in
        let response = try invocation.call(Consent_V1_Health.check, Consent_V1_HealthCheckRequest())
        invocation.output.emit(response) { $0.status.protoName }
    }

    static let nope = Command(name: "nope", summary: "an unknown method", usage: "nope") { invocation throws(CLIError) in
        let method = ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthCheckResponse>(fullName: "/consent.v1.Nope/Check", kind: .unary)
        _ = try invocation.call(method, Consent_V1_HealthCheckRequest())
    }

    static func fails(_ error: CLIError) -> Command {
        Command(name: "fail", summary: "fails", usage: "fail", options: [.value("n", "N", "a number")]) { _ throws(CLIError) in throw error }
    }

    static func run(_ arguments: [String], commands: [Command] = [health, nope], environment: [String: String] = ["HOME": "/nonexistent"]) -> (Int32, Captured) {
        let captured = Captured()
        let tool = CommandLineTool(
            name: "consentctl", tagline: "test", commands: commands + ProfileCommand.all, exitCodes: "exit codes: …",
            standardOutput: { line in captured.out.withLock { $0.append(line) } },
            standardError: { line in captured.err.withLock { $0.append(line) } })
        return (tool.run(arguments, environment: environment), captured)
    }

    static func connection(_ hub: TestHub, principal: String = "consumer", ca: String? = nil) -> [String] {
        ["--server", "127.0.0.1:\(hub.port)", "--ca", ca ?? hub.certificates.path("ca.pem"),
         "--cert", hub.certificates.path("\(principal).pem"), "--key", hub.certificates.path("\(principal).key")]
    }

    @Test func eachKindOfFailureHasItsExitCode() {
        #expect(Self.run(["fail"], commands: [Self.fails(.usage("bad"))]).0 == 2)
        #expect(Self.run(["fail"], commands: [Self.fails(CLIError(.refused(.notFound), "NOT_FOUND: x"))]).0 == 1)
        #expect(Self.run(["fail"], commands: [Self.fails(CLIError(.connection, "no"))]).0 == 3)
        #expect(Self.run(["fail"], commands: [Self.fails(.local("disk"))]).0 == 4)
        let (code, captured) = Self.run(["fail", "--n"], commands: [Self.fails(.local("disk"))])
        #expect(code == 2 && captured.stderr.contains("--n needs a N") && captured.stderr.contains("usage: consentctl fail"))
    }

    @Test func permissionDeniedHintsTellARuleFromAMissingRole() {
        let role = CLIError(RPCError(.permissionDenied, "BANKEN AS (910203045) has role consumer; /consent.v1.Health/Stats requires admin"), server: "x:1")
        #expect(role.message.contains("lacks the role"), "\(role.message)")
        let rule = CLIError(RPCError(.permissionDenied, "The consent does not cover the asked 5252_1_fraOgMed.",
                                     trailers: ["x-consent-reason": "metadata_not_covered"]), server: "x:1")
        #expect(!rule.message.contains("lacks the role"), "a role would not help: \(rule.message)")
        #expect(rule.message.contains("the message says which rule"))
    }

    @Test func helpAndUnknownCommands() {
        let (help, captured) = Self.run(["--help"])
        #expect(help == 0 && captured.stdout.contains("commands:") && captured.stdout.contains("profile"))
        #expect(Self.run([]).0 == 2)
        let (unknown, c2) = Self.run(["heath"])
        #expect(unknown == 2 && c2.stderr == "consentctl: unknown command 'heath'; did you mean health? (consentctl --help lists them)")
        let (commandHelp, c3) = Self.run(["--server", "x:1", "health", "--help"])
        #expect(commandHelp == 0 && c3.stdout.hasPrefix("usage: consentctl health"))
    }

    @Test func aLiveCallSucceedsAndPrintsJSON() async throws {
        let hub = try TestHub(demoRegistry: false)
        let (code, captured) = Self.run(["--json", "health"] + Self.connection(hub))
        let (plain, c2) = Self.run(["health"] + Self.connection(hub))
        await hub.stop()
        #expect(code == 0 && captured.stdout == "{\n  \"leader\" : \"\",\n  \"role\" : \"ACTIVE\",\n  \"status\" : \"SERVING\"\n}", "\(captured.stdout)")
        #expect(plain == 0 && c2.stdout == "SERVING")
    }

    @Test func refusalsNameTheStatusCodeAndExitOne() async throws {
        let hub = try TestHub(demoRegistry: false)
        let (code, captured) = Self.run(["nope"] + Self.connection(hub))
        await hub.stop()
        #expect(code == 1)
        #expect(captured.stderr.hasPrefix("consentctl: UNIMPLEMENTED: unknown method /consent.v1.Nope/Check\n  hint: "))
    }

    @Test func noServerIsExitThreeWithAHint() {
        let certificates = TestHub.certificates
        let (code, captured) = Self.run(
            ["health", "--server", "127.0.0.1:1", "--ca", certificates.path("ca.pem"),
             "--cert", certificates.path("consumer.pem"), "--key", certificates.path("consumer.key")])
        #expect(code == 3)
        #expect(captured.stderr.contains("cannot connect to 127.0.0.1:1"))
        #expect(captured.stderr.contains("hint: is consentd running at 127.0.0.1:1?"))
    }

    @Test func aServerCertificateFromAnotherCAIsExitThreeAboutTrust() async throws {
        let hub = try TestHub(demoRegistry: false)
        let other = try DevCertificates.foreignClient()
        let path = TestHub.makeTemporaryDirectory("other-ca") + "/ca.pem"
        try other.authority.certificate.pemRepresentation().write(toFile: path, atomically: true, encoding: .utf8)
        let (code, captured) = Self.run(["health"] + Self.connection(hub, ca: path))
        await hub.stop()
        #expect(code == 3)
        #expect(captured.stderr.contains("does not trust the server's certificate"), "\(captured.stderr)")
    }

    @Test func missingTLSFilesAreUsageOrLocal() {
        let (unnamed, c1) = Self.run(["health"])
        #expect(unnamed == 2 && c1.stderr.contains("no client TLS ca file: give --ca"))
        let (unreadable, _) = Self.run(["health", "--ca", "/nonexistent/ca.pem", "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/c.key"])
        #expect(unreadable == 4)
    }
}
