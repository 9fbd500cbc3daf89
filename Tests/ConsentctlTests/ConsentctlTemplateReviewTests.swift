import ConsentTesting
import Foundation
import Testing

/// Review of `template register`: a language key the file format does not
/// know ("nn" for "nn-NO", or Northern Sami "se") is dropped without a word,
/// so the data source believes its Nynorsk text is registered while the
/// person reading Nynorsk gets the Bokmål.
@Suite struct ConsentctlTemplateReviewTests {
    typealias Shell = ConsentctlFlowTests

    @Test func review_anUnknownLanguageKeyInATemplateFileIsRefusedNotDropped() async throws {
        try await Shell.withHub(Self.unknownLanguage)
    }

    static func unknownLanguage(_ hub: InProcessHub) throws {
        let directory = TestHub.makeTemporaryDirectory("template-languages")
        let file = directory + "/fullmakt.json"
        try Data("""
            {"id": "nav-språk", "kind": "fullmakt",
             "heading": {"nb-NO": "Fullmakt", "nn": "Fullmakt på nynorsk", "se": "Fápmudus"},
             "intro": {"nb-NO": "{CoveredByName} ber om fullmakt."}}
            """.replacingOccurrences(of: "nav-språk", with: "nav-sprak").utf8).write(to: URL(fileURLWithPath: file))
        let registered = try Shell.consentctl(["template", "register", "--file", file], as: "datasource", on: hub)
        #expect(registered.status != 0, "accepted, the \"nn\" and \"se\" texts silently dropped: \(registered.stdout)")
        #expect(registered.stderr.contains("nn") || registered.stderr.contains("se"), "\(registered.stderr)")
    }
}
