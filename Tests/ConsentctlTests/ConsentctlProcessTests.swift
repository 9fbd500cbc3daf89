import ConsentTesting
import Foundation
import Testing

/// The built `consentctl` executable as a process: what only a process
/// shows, against a live hub over TLS. The connection comes from the
/// environment, `-` reads the process's standard input, each kind of failure
/// is the process's exit code, and `events watch` writes each event to a pipe as it
/// comes. What the commands do is tested in process (ConsentctlFlowTests).
@Suite(.serialized) struct ConsentctlProcessTests {
    typealias Run = CommandRun

    /// Runs consentctl as `principal`; the portal states the demo user.
    static func consentctl(_ arguments: [String], as principal: String, on hub: TestHub, stdin: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ConsentdProcess.sibling("consentctl"))
        process.arguments = arguments
        var environment = InProcessConsentctl.environment(principal, on: hub)
        // Under `make test-sanitizers` the child is a sanitized build too and
        // needs the same options (suppressions, no Swift backtracer).
        for key in ["ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "SWIFT_BACKTRACE"] {
            environment[key] = ProcessInfo.processInfo.environment[key]
        }
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        // Waited for through its termination handler, not `waitUntilExit`,
        // whose run loop sometimes never wakes on this toolchain (ChildProcess).
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Both pipes at once: a child that fills one while we wait on the
        // other (a sanitizer report on stderr) would otherwise never exit.
        let stderrRead = DispatchGroup()
        nonisolated(unsafe) var stderr = Data()
        DispatchQueue.global().async(group: stderrRead) { stderr = err.fileHandleForReading.readDataToEndOfFile() }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        stderrRead.wait()
        exited.wait()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test func theProcessTakesItsConnectionFromTheEnvironmentReadsStandardInputAndExitsWithEachCode() async throws {
        let hub = try TestHub()
        do {
            try await offCooperativePool { try Self.processFlow(hub) }
        } catch {
            await hub.stop()
            throw error
        }
        await hub.stop()
    }

    static func processFlow(_ hub: TestHub) throws {
        // 0: a request created with --json, its id read from standard output.
        let created = try consentctl([
            "--json", "request", "create", "--resource", "5252_1",
            "--meta", "5252_1:fraOgMed=01.01.2024", "--meta", "5252_1:tilOgMed=31.12.2024",
            "--redirect", "https://banken.example/samtykke/svar", "--valid-to", "+365d",
            "--offered-by", TestHub.demoUserID, "--purpose", "Behandle søknaden din om uføreforsikring",
        ], as: "consumer", on: hub)
        #expect(created.status == 0, "\(created.stderr)")
        let request = try #require(try json(created.stdout)["request"] as? [String: Any], "\(created.stdout)")
        let id = try #require(request["id"] as? String, "\(request.keys)")
        let accepted = try consentctl(["request", "accept", id], as: "portal", on: hub)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let code = String((accepted.stdout.components(separatedBy: "AuthorizationCode=").dropFirst().first ?? "")
            .prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })

        // `-`: the code from the process's standard input (a pipe).
        let exchanged = try consentctl(["exchange", "-"], as: "consumer", on: hub, stdin: code + "\n")
        #expect(exchanged.status == 0, "\(exchanged.stderr)")
        #expect(exchanged.stdout.split(separator: "\n").first?.split(separator: ".").count == 3, "the token: \(exchanged.stdout)")

        // 1: the server refused (the code works once); the message names the status.
        let again = try consentctl(["exchange", code], as: "consumer", on: hub)
        #expect(again.status == 1 && again.stderr.hasPrefix("consentctl: ") && again.stderr.contains("FAILED_PRECONDITION"), "\(again.stderr)")
        // 2: usage, from argv and from standard input.
        let unknown = try consentctl(["frobnicate"], as: "consumer", on: hub)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown command 'frobnicate'"), "\(unknown.stderr)")
        let short = try consentctl(["log-use", "--batch", "-"], as: "datasource", on: hub, stdin: "only-one-field\n")
        #expect(short.status == 2 && short.stderr.contains("use 1: expected CONSENT_ID RESOURCE [TIME]"), "\(short.stderr)")
        // 3: no answer (nothing listens on port 1).
        let nobody = try consentctl(["--server", "127.0.0.1:1", "health"], as: "consumer", on: hub)
        #expect(nobody.status == 3 && nobody.stderr.contains("cannot connect to 127.0.0.1:1"), "\(nobody.stderr)")
        // 4: a local file that cannot be read.
        let missing = try consentctl(["resource", "register", "--file", "/nonexistent/5252_1.json"], as: "datasource", on: hub)
        #expect(missing.status == 4, "\(missing.status) \(missing.stderr)")

        // events watch: the feed's events reach the pipe, then --for ends the process with 0.
        let watched = try consentctl(["--json", "events", "watch", "--after", "0", "--for", "0.3"], as: "consumer", on: hub)
        #expect(watched.status == 0, "\(watched.stderr)")
        let events = watched.stdout.split(separator: "\n").compactMap { try? json(String($0)) }
        #expect(!events.isEmpty && watched.stdout.contains(id), "one JSON object per message, naming the request: \(watched.stdout)")
    }
}
