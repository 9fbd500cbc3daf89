import ConsentCore
import ConsentServer
import Testing

/// The consent options of consentd: request TTL, code lifetime, expiry interval.
struct ConsentServerOptionsTests {
    @Test func consentOptionsReachTheDomainConfiguration() throws {
        guard case .serve(let c) = try ServerOptions.parse(["--request-ttl", "3600", "--code-lifetime", "120", "--expiry-interval", "5"]) else {
            Issue.record("expected a serve command")
            return
        }
        #expect(c.expiryIntervalSeconds == 5)
        #expect(c.consentConfiguration.requestLifetime == .seconds(3600))
        #expect(c.consentConfiguration.codeLifetime == .seconds(120))

        let defaults = ServerConfiguration().consentConfiguration
        #expect(defaults.requestLifetime == ConsentConfiguration().requestLifetime, "24 hours, as the domain's default")
        #expect(defaults.codeLifetime == ConsentConfiguration().codeLifetime, "5 minutes, as the domain's default")
    }

    @Test func aCodeLifetimeOverAnHourIsRefused() {
        #expect {
            _ = try ServerOptions.parse(["--code-lifetime", "7200"])
        } throws: { error in
            (error as? ConfigurationError)?.message == "--code-lifetime: code-lifetime is at most 3600 seconds (one hour), not '7200'"
        }
        #expect(throws: ConfigurationError.self) { _ = try ServerOptions.parse(["--expiry-interval", "0"]) }
    }
}
