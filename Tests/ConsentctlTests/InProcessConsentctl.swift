import ConsentctlCommands
import ConsentTesting
import Foundation
import Synchronization

/// What one command line did: its exit code and what it wrote, each result
/// and each failure line ending in a newline as the executable writes them.
struct CommandRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// consentctl's commands called in process, as the executable's `main` calls
/// them (arguments, environment, standard input), with standard output and
/// error captured: no binary, no child process.
enum InProcessConsentctl {
    /// Runs a command line as `principal` of an in-process hub, through an
    /// `InProcessClient` (no TLS); the portal states the demo user at level 4.
    static func run(_ arguments: [String], as principal: String, on hub: InProcessHub, stdin: String? = nil) throws -> CommandRun {
        let client = try hub.client(principal)
        defer { client.close() }
        var environment = ["HOME": "/nonexistent"]
        if principal == "portal" {
            environment["CONSENT_USER_ID"] = TestHub.demoUserID
            environment["CONSENT_ASSURANCE_LEVEL"] = "4"
            environment["CONSENT_USER_NAME"] = "HÅKON TRANA"
        }
        return capture(arguments, environment: environment, stdin: stdin, connector: .transport(client))
    }

    /// Runs a command line over the network as `principal` of a live hub:
    /// a TLS connection from the settings its arguments and the environment give.
    static func run(_ arguments: [String], as principal: String, on hub: TestHub, stdin: String? = nil) -> CommandRun {
        capture(arguments, environment: environment(principal, on: hub), stdin: stdin, connector: .network)
    }

    /// The environment a user of `principal` sets: the hub's address and the
    /// principal's TLS files (`CONSENT_SERVER`, `CONSENT_CA`, …); the portal
    /// also states the demo user.
    static func environment(_ principal: String, on hub: TestHub) -> [String: String] {
        var environment = [
            "CONSENT_SERVER": "127.0.0.1:\(hub.port)", "CONSENT_CA": hub.certificates.path("ca.pem"),
            "CONSENT_CERT": hub.certificates.path("\(principal).pem"), "CONSENT_KEY": hub.certificates.path("\(principal).key"),
            "HOME": "/nonexistent",
        ]
        if principal == "portal" {
            environment["CONSENT_USER_ID"] = TestHub.demoUserID
            environment["CONSENT_ASSURANCE_LEVEL"] = "4"
            environment["CONSENT_USER_NAME"] = "HÅKON TRANA"
        }
        return environment
    }

    private static func capture(_ arguments: [String], environment: [String: String], stdin: String?, connector: Connector) -> CommandRun {
        let out = Mutex<String>(""), err = Mutex<String>("")
        var lines = (stdin ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }  // the final newline ends the last line
        let input = Mutex<[String]>(lines)
        let tool = Consentctl.makeTool(
            standardOutput: { text in out.withLock { $0 += text + "\n" } },
            standardError: { text in err.withLock { $0 += text + "\n" } },
            standardInput: { input.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
            connector: connector)
        let status = tool.run(arguments, environment: environment)
        return CommandRun(status: status, stdout: out.withLock { $0 }, stderr: err.withLock { $0 })
    }
}
