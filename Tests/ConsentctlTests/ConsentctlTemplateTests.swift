import ConsentTesting
import Foundation
import Testing

/// Issue 12, point 4: a data source's consent template from the shell —
/// `template register` from a file, `template list`, a resource file naming
/// it, and the page `request show` renders with the template's words.
@Suite struct ConsentctlTemplateTests {
    typealias Shell = ConsentctlFlowTests

    @Test func aTemplateFromTheShell() async throws {
        try await Shell.withHub(Self.templates)
    }

    static func templates(_ hub: InProcessHub) throws {
        let directory = TestHub.makeTemporaryDirectory("templates")
        let template = directory + "/fullmakt.json", bad = directory + "/bad.json", resource = directory + "/5252_1.json"
        try Data("""
            {"id": "nav-fullmakt", "kind": "fullmakt",
             "heading": {"nb-NO": "Fullmakt til å søke på dine vegne", "en": "Power of attorney to apply for you"},
             "intro": {"nb-NO": "{CoveredByName} ber om fullmakt til å søke for {OfferedByName}."},
             "expiry": {"nb-NO": "Fullmakten gjelder til og med {ValidTo}."}}
            """.utf8).write(to: URL(fileURLWithPath: template))
        try Data(#"{"id": "nav-x", "kind": "lease", "heading": {"nb-NO": "x"}, "intro": {"nb-NO": "y"}}"#.utf8).write(to: URL(fileURLWithPath: bad))
        try Data("""
            {"id": "5252_1", "ownerName": "NAV", "title": {"nb-NO": "Opplysninger fra NAV"},
             "text": {"nb-NO": "Ved å samtykke gir du {CoveredByName} rett til opplysninger for {fraOgMed}–{tilOgMed}."},
             "metadata": [{"key": "fraOgMed", "format": "date"}, {"key": "tilOgMed", "format": "date"}],
             "kind": "time-limited", "maximumValidity": {"years": 3}, "assuranceLevel": 4, "consentTemplate": "nav-fullmakt"}
            """.utf8).write(to: URL(fileURLWithPath: resource))

        let registered = try Shell.consentctl(["template", "register", "--file", template], as: "datasource", on: hub)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("nav-fullmakt v1  fullmakt  owner 889640782"), "\(registered.stdout)")
        let refused = try Shell.consentctl(["template", "register", "--file", bad], as: "datasource", on: hub)
        #expect(refused.status == 4 && refused.stderr.contains("neither \"consent\" nor \"fullmakt\""), "\(refused.stderr)")
        let byConsumer = try Shell.consentctl(["template", "list"], as: "consumer", on: hub)
        #expect(byConsumer.status == 1 && byConsumer.stderr.contains("PERMISSION_DENIED"), "\(byConsumer.stderr)")
        let listed = try Shell.consentctl(["template", "list"], as: "datasource", on: hub)
        #expect(listed.stdout.contains("nav-fullmakt v1  fullmakt"), "\(listed.stdout)")
        let navsByAdmin = try Shell.consentctl(["template", "list", "--owner", "889640782"], as: "admin", on: hub)
        #expect(navsByAdmin.status == 0 && navsByAdmin.stdout.contains("nav-fullmakt v1  fullmakt"), "\(navsByAdmin.stdout)")
        let skattsByAdmin = try Shell.consentctl(["template", "list", "--owner", "974761076"], as: "admin", on: hub)
        #expect(skattsByAdmin.status == 0 && skattsByAdmin.stdout == "no templates\n", "\(skattsByAdmin.stdout)")
        let othersByNav = try Shell.consentctl(["template", "list", "--owner", "974761076"], as: "datasource", on: hub)
        #expect(othersByNav.status == 1 && othersByNav.stderr.contains("PERMISSION_DENIED: Organisation 889640782 may not list the templates of organisation 974761076"), "\(othersByNav.stderr)")

        let named = try Shell.consentctl(["resource", "register", "--file", resource], as: "datasource", on: hub)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try Shell.consentctl(["resource", "show", "5252_1"], as: "datasource", on: hub).stdout.contains("template      nav-fullmakt"))

        let created = try Shell.consentctl([
            "request", "create", "--resource", "5252_1", "--meta", "fraOgMed=01.01.2024", "--meta", "tilOgMed=31.12.2024",
            "--redirect", "https://banken.example/samtykke/svar", "--valid-to", "+30d", "--offered-by", TestHub.demoUserID,
            "--purpose", "Søknad",
        ], as: "consumer", on: hub)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(created.stdout.split(separator: "\n").first?.split(separator: " ").last.map(String.init))
        let page = try Shell.consentctl(["request", "show", id, "--lang", "en"], as: "portal", on: hub)
        #expect(page.stdout.hasPrefix("Power of attorney to apply for you\nBANKEN AS ber om fullmakt til å søke for HÅKON TRANA."), "\(page.stdout)")
        #expect(page.stdout.contains("[Yes, I grant the power of attorney]"), "\(page.stdout)")
    }
}
