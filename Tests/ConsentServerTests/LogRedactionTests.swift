import Synchronization
import Testing
@testable import ConsentServer

/// The last line of defence under ServerLog: no eleven-digit number leaves
/// consentd in a log line, yet lines about the same number still match.
@Suite struct LogRedactionTests {
    @Test func elevenDigitsBecomeAKeyedTagAndNothingElseChanges() {
        let line = LogRedaction.redact("protocol error: deadline_ms does not fit in 32 bits (15038512363)")
        #expect(!line.contains("15038512363"))
        #expect(line.hasPrefix("protocol error: deadline_ms does not fit in 32 bits (id:"))
        let tag = LogRedaction.tag("15038512363")
        #expect(line == "protocol error: deadline_ms does not fit in 32 bits (\(tag))")
        #expect(tag.count == 11 && tag.dropFirst(3).allSatisfy(\.isHexDigit))
        #expect(LogRedaction.tag("15038512363") == tag, "the same person gets the same tag: lines can be correlated")
        #expect(LogRedaction.tag("01019012480") != tag)
        // At either end of the line, and twice in one line.
        #expect(LogRedaction.redact("15038512363") == tag)
        #expect(LogRedaction.redact("a 15038512363 b 15038512363") == "a \(tag) b \(tag)")
    }

    @Test func otherNumbersAndIdsStayWhole() {
        for line in [
            "connection 127.0.0.1:39842: TLS handshake failed",
            "principal 910203045 (nine digits: an organisation)",
            "created at 1764672000000 (thirteen digits: epoch milliseconds)",
            "ten 1503851236 and twelve 150385123630",
            "consent 7040eab7-ff2a-4cd7-8803-f22440030028 (a UUID ending in eleven digits)",
            "",
        ] {
            #expect(LogRedaction.redact(line) == line)
        }
        // Not a UUID: the same group on its own is an eleven-digit number.
        #expect(!LogRedaction.redact("f22440030028-x 22440030028").contains("22440030028 "))
    }

    @Test func serverLogRedactsEveryLine() {
        // The log is the process's: other tests' lines may pass through the sink meanwhile.
        let lines = Mutex<[String]>([])
        ServerLog.configure(sink: { line in lines.withLock { $0.append(line) } })
        ServerLog.warning("over a connection limit: too many connections for principal 15038512363 (redaction test)")
        ServerLog.configure()
        let mine = lines.withLock { $0 }.filter { $0.contains("(redaction test)") }
        #expect(mine.count == 1)
        #expect(mine.allSatisfy { !$0.contains("15038512363") && $0.contains(LogRedaction.tag("15038512363")) })
    }
}
