import ConsentTesting
import Foundation
import Testing

/// `template register` and `resource register`: a language key the file
/// format does not know ("nn" for "nn-NO", or Northern Sami "se") is refused
/// by name (exit 4, nothing sent), not dropped without a word, which would
/// leave the data source believing its Nynorsk text registered while the
/// person reading Nynorsk gets the Bokmål.
@Suite struct ConsentctlTemplateLanguageTests {
    typealias Shell = ConsentctlFlowTests

    @Test func anUnknownLanguageKeyInATemplateOrResourceFileIsRefusedNotDropped() async throws {
        try await Shell.withHub(Self.unknownLanguage)
    }

    static func unknownLanguage(_ hub: InProcessHub) throws {
        let directory = TestHub.makeTemporaryDirectory("template-languages")
        let file = directory + "/fullmakt.json"
        try Data("""
            {"id": "nav-sprak", "kind": "fullmakt",
             "heading": {"nb-NO": "Fullmakt", "nn": "Fullmakt på nynorsk", "se": "Fápmudus"},
             "intro": {"nb-NO": "{CoveredByName} ber om fullmakt."}}
            """.utf8).write(to: URL(fileURLWithPath: file))
        let registered = try Shell.consentctl(["template", "register", "--file", file], as: "datasource", on: hub)
        #expect(registered.status == 4, "accepted, the \"nn\" and \"se\" texts silently dropped: \(registered.stdout)")
        #expect(registered.stderr.contains("\"heading\": unknown language \"nn\", \"se\"; the languages are nb-NO, nn-NO, en"),
                "\(registered.stderr)")
        let listed = try Shell.consentctl(["template", "list"], as: "datasource", on: hub)
        #expect(listed.status == 0 && !listed.stdout.contains("nav-sprak"), "\(listed.stdout)")

        // The same rule for a resource file's texts.
        let resource = directory + "/resource.json"
        try Data("""
            {"id": "5300_1", "ownerName": "NAV", "kind": "one-time", "maximumValidity": {"days": 30}, "assuranceLevel": 3,
             "title": {"nb-NO": "Sykepenger", "nb": "Sykepenger"},
             "text": {"nb-NO": "Ved å samtykke gir du {CoveredByName} rett til å hente opplysninger."}}
            """.utf8).write(to: URL(fileURLWithPath: resource))
        let resourceRegistered = try Shell.consentctl(["resource", "register", "--file", resource], as: "datasource", on: hub)
        #expect(resourceRegistered.status == 4 && resourceRegistered.stderr.contains("\"title\": unknown language \"nb\""),
                "\(resourceRegistered.stderr)")
    }
}
