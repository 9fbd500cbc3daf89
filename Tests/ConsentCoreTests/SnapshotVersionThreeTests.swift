import Foundation
import Testing
@testable import ConsentCore

/// A snapshot written before consent templates (format version 3) is still
/// read: it has no templates and no pinned requests, and equals the state
/// rebuilt by the same commands today.
///
/// The fixture is `encodeSnapshot()` of the state ``rebuild()`` makes, written
/// by the code of commit 4fe9bf3 (snapshot version 3): the demo registry, a NAV
/// request with an English purpose accepted in English and used by NAV, one
/// rejected in Nynorsk, one accepted and withdrawn (events 1 to 14).
@Suite("Reading snapshots of version 3")
struct SnapshotVersionThreeTests {
    static let consents = ["910a2dec-8902-4cc1-beeb-8da1658eec67", "f893a2ee-fb32-455e-b1c1-8690ee42c90b", "71bb54d8-d101-45b9-834d-0bff90150280"]

    static var payload: [UInt8] {
        Array(Data(base64Encoded: fixture.joined())!)
    }

    /// The commands that made the fixture, on the same seeded test hub.
    static func rebuild() throws -> TestHub {
        var hub = TestHub()
        var request = LanguageTests.request()
        request.purposeTexts = LocalizedText(bokmal: nil, english: "Process your disability claim")
        let a = try hub.create(request)
        hub.advance(.seconds(60))
        try hub.perform(.acceptRequest(a.id, code: CodeGrant(codeHash: hub.nextCode()), language: .english), by: .endUser(Fixture.haakonUser))
        hub.advance(.seconds(60))
        try hub.use(a.id, Fixture.nav5252, by: .dataSource(Fixture.nav))
        let b = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        try hub.perform(.rejectRequest(b.id, language: .nynorsk), by: .endUser(Fixture.haakonUser))
        let c = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        try hub.accept(c.id)
        hub.advance(.seconds(60))
        try hub.revoke(c.id)
        return hub
    }

    @Test("A version-3 snapshot loads and equals the state the same commands build today")
    func loads() throws {
        let bytes = Self.payload
        #expect(Array(bytes.prefix(7)) == Array("CHSNAP".utf8) + [3])
        let state = try ConsentState(snapshot: bytes)
        #expect(state.lastSequence == 14 && state.requestCount == 3)
        #expect(state.tables.records.map(\.id.description) == Self.consents)
        #expect(state.tables.templates.isEmpty && state.tables.requestTemplates.isEmpty)
        #expect(state.tables.purposeTexts.count == 1 && state.tables.records[0].answerLanguage == .english)
        #expect(state == (try Self.rebuild()).state)

        // Written again it is the current version, and reads back equal.
        let again = state.encodeSnapshot()
        #expect(again[6] == ConsentState.snapshotVersion && ConsentState.snapshotVersion == 5)
        #expect(try ConsentState(snapshot: again) == state)
    }

    @Test("Templates registered on the loaded state pin new requests only")
    func goesOn() throws {
        var hub = TestHub()
        hub.engine = ConsentEngine(state: try ConsentState(snapshot: Self.payload), clock: ManualClock(Fixture.start + .days(1)),
                                   random: SplitMix64(seed: 9))
        try hub.perform(.registerTemplate(TemplateTests.fullmakt), by: .dataSource(Fixture.nav))
        try hub.perform(.registerResource(TemplateTests.nav(template: "nav-fullmakt")), by: .dataSource(Fixture.nav))
        let view = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(view.template?.id == "nav-fullmakt")
        let old = try RequestID(validating: Self.consents[0])
        #expect(try hub.state.request(old, by: .consumer(Fixture.bank), at: hub.now).template == nil)
        #expect(try ConsentState(snapshot: hub.state.encodeSnapshot()) == hub.state)
    }

    static let fixture = [
        "Q0hTTkFQAw4DAZUkAvTY5tADDFNrYXR0ZWV0YXRlbgcrSW5udGVrdCBvZyBza2F0dGVncnVubmxhZyBmb3Ige2lubnRla3RzYWFyfStJbm50ZW",
        "t0IG9nIHNrYXR0ZWdydW5ubGFnIGZvciB7aW5udGVrdHNhYXJ9JUluY29tZSBhbmQgdGF4IGJhc2UgZm9yIHtpbm50ZWt0c2Fhcn0HvAJWZWQg",
        "w6Ugc2FtdHlra2UgZ2lyIGR1IFNrYXR0ZWV0YXRlbiByZXR0IHRpbCDDpSB1dGxldmVyZSBzdW1tZXJ0IHNrYXR0ZWdydW5ubGFnIG9nIGlubn",
        "Rla3Rzb3BwbHlzbmluZ2VyIGZvciBpbm50ZWt0c8OlcmV0IHtpbm50ZWt0c2Fhcn0gdGlsIHtDb3ZlcmVkQnlOYW1lfS4gT3BwbHlzbmluZ2Vu",
        "ZSBoZW50ZXMgw6luIGdhbmcsIGZvciDDpSBiZWhhbmRsZSBsw6VuZXPDuGtuYWRlbiBkaW4uIHtDb3ZlcmVkQnlOYW1lfSBmw6VyIGJhcmUgZG",
        "Ugb3BwbHlzbmluZ2VuZSBzb20gdHJlbmdzLCBpa2tlIGVuIGtvcGkgYXYgaGVsZSBza2F0dGVtZWxkaW5nZW4uxwJWZWQgw6Ugc2FtdHlra2pl",
        "IGdpciBkdSBTa2F0dGVldGF0ZW4gcmV0dCB0aWwgw6UgdXRsZXZlcmUgc3VtbWVydCBza2F0dGVncnVubmxhZyBvZyBpbm50ZWt0c29wcGx5c2",
        "5pbmdhciBmb3IgaW5udGVrdHPDpXJldCB7aW5udGVrdHNhYXJ9IHRpbCB7Q292ZXJlZEJ5TmFtZX0uIE9wcGx5c25pbmdhbmUgYmxpciBoZW50",
        "YSDDqWluIGdvbmcsIGZvciDDpSBiZWhhbmRsZSBsw6VuZXPDuGtuYWRlbiBkaW4uIHtDb3ZlcmVkQnlOYW1lfSBmw6VyIGJlcnJlIGRlaSBvcH",
        "BseXNuaW5nYW5lIHNvbSB0cmVuZ3N0LCBpa2tqZSBlaW4ga29waSBhdiBoZWlsZSBza2F0dGVtZWxkaW5nYS7QAkJ5IGNvbnNlbnRpbmcsIHlv",
        "dSBnaXZlIHRoZSBOb3J3ZWdpYW4gVGF4IEFkbWluaXN0cmF0aW9uIHRoZSByaWdodCB0byBkaXNjbG9zZSB5b3VyIHN1bW1hcmlzZWQgdGF4IG",
        "Jhc2UgYW5kIGluY29tZSBpbmZvcm1hdGlvbiBmb3IgdGhlIGluY29tZSB5ZWFyIHtpbm50ZWt0c2Fhcn0gdG8ge0NvdmVyZWRCeU5hbWV9LiBU",
        "aGUgaW5mb3JtYXRpb24gaXMgcmV0cmlldmVkIG9uY2UsIHRvIHByb2Nlc3MgeW91ciBsb2FuIGFwcGxpY2F0aW9uLiB7Q292ZXJlZEJ5TmFtZX",
        "0gZ2V0cyBvbmx5IHRoZSBpbmZvcm1hdGlvbiBuZWVkZWQsIG5vdCBhIGNvcHkgb2YgeW91ciB3aG9sZSB0YXggcmV0dXJuLgELaW5udGVrdHNh",
        "YXICAQABAR4DAAAAAZYkAfTY5tADDFNrYXR0ZWV0YXRlbgckSW5udGVrdHNvcHBseXNuaW5nZXIgZnJhIGEtb3JkbmluZ2VuJElubnRla3Rzb3",
        "BwbHlzbmluZ2FyIGZyw6UgYS1vcmRuaW5nYThJbmNvbWUgaW5mb3JtYXRpb24gZnJvbSBlbXBsb3llcnMnIHJlcG9ydHMgKGEtb3JkbmluZ2Vu",
        "KQfUAVZlZCDDpSBzYW10eWtrZSBnaXIgZHUgU2thdHRlZXRhdGVuIHJldHQgdGlsIMOlIHV0bGV2ZXJlIGlubnRla3Rzb3BwbHlzbmluZ2VyIH",
        "NvbSBhcmJlaWRzZ2l2ZXJlIGhhciByYXBwb3J0ZXJ0IG9tIGRlZyBmb3IgcGVyaW9kZW4ge2ZyYU9nTWVkfeKAk3t0aWxPZ01lZH0sIHRpbCB7",
        "Q292ZXJlZEJ5TmFtZX0sIGZvciDDpSBiZWhhbmRsZSBsw6VuZXPDuGtuYWRlbiBkaW4u1gFWZWQgw6Ugc2FtdHlra2plIGdpciBkdSBTa2F0dG",
        "VldGF0ZW4gcmV0dCB0aWwgw6UgdXRsZXZlcmUgaW5udGVrdHNvcHBseXNuaW5nYXIgc29tIGFyYmVpZHNnaXZhcmFyIGhhciByYXBwb3J0ZXJ0",
        "IG9tIGRlZyBmb3IgcGVyaW9kZW4ge2ZyYU9nTWVkfeKAk3t0aWxPZ01lZH0sIHRpbCB7Q292ZXJlZEJ5TmFtZX0sIGZvciDDpSBiZWhhbmRsZS",
        "Bsw6VuZXPDuGtuYWRlbiBkaW4u5AFCeSBjb25zZW50aW5nLCB5b3UgZ2l2ZSB0aGUgTm9yd2VnaWFuIFRheCBBZG1pbmlzdHJhdGlvbiB0aGUg",
        "cmlnaHQgdG8gZGlzY2xvc2UgdG8ge0NvdmVyZWRCeU5hbWV9IHRoZSBpbmNvbWUgaW5mb3JtYXRpb24gZW1wbG95ZXJzIGhhdmUgcmVwb3J0ZW",
        "QgYWJvdXQgeW91IGZvciB0aGUgcGVyaW9kIHtmcmFPZ01lZH3igJN7dGlsT2dNZWR9LCB0byBwcm9jZXNzIHlvdXIgbG9hbiBhcHBsaWNhdGlv",
        "bi4CCGZyYU9nTWVkAQEIdGlsT2dNZWQBAQEIZnJhT2dNZWQIdGlsT2dNZWQBAR4DAAAAAYQpAc6um6gDA05BVgc+T3BwbHlzbmluZ2VyIG9tIG",
        "FyYmVpZHNhdmtsYXJpbmdzcGVuZ2VyIG9nIHVmw7hyZXRyeWdkIGZyYSBOQVY/T3BwbHlzbmluZ2FyIG9tIGFyYmVpZHNhdmtsYXJpbmdzcGVu",
        "Z2FyIG9nIHVmw7hyZXRyeWdkIGZyw6UgTkFWSEluZm9ybWF0aW9uIG9uIHdvcmsgYXNzZXNzbWVudCBhbGxvd2FuY2UgYW5kIGRpc2FiaWxpdH",
        "kgYmVuZWZpdCBmcm9tIE5BVgfnB1ZlZCDDpSBzYW10eWtrZSBnaXIgZHUge0NvdmVyZWRCeU5hbWV9IHJldHQgdGlsIMOlIGlubmhlbnRlIHBl",
        "cnNvbm9wcGx5c25pbmdlciBkaWdpdGFsdCBmcmEgTkFWIHRpbCDDpSBiZWhhbmRsZSBkaXR0IGtyYXYgb20gdWbDuHJleXRlbHNlciBldHRlci",
        "Bmb3JzaWtyaW5nc2F2dGFsZW4uIE7DpXIgZHUgc2FtdHlra2VyIGdpciBkdSBOQVYgcmV0dCB0aWwgw6UgdXRsZXZlcmUgcGVyc29ub3BwbHlz",
        "bmluZ2VyIHRpbCB7Q292ZXJlZEJ5TmFtZX0gb20gZGluZSBhcmJlaWRzYXZrbGFyaW5nc3BlbmdlciBvZyB1ZsO4cmV0cnlnZCBkZXJzb20gZH",
        "UgbW90dGFyIGVsbGVyIHRpZGxpZ2VyZSBoYXIgbW90dGF0dCBub2VuIGF2IGRpc3NlOgotIE9wcGx5c25pbmdlciBmcmEgdmVkdGFrIG9tIGFy",
        "YmVpZHNhdmtsYXJpbmdzcGVuZ2VyIG9nIHVmw7hyZXRyeWdkLCBoZXJ1bmRlciBvcHBseXNuaW5nZXIgb20gZ3JhZCBhdiB5dGVsc2VuLCB0aW",
        "RzcGVyaW9kZSB2ZWR0YWtlbmUgZ2plbGRlciBmb3Igb2cgw6Vyc2FrZW4gdGlsIG9wcGjDuHIgZGVyc29tIHl0ZWxzZW4gZnJhIE5BViBlciBv",
        "cHBow7hydC4KLSBPcHBseXNuaW5nZXIgZnJhIG1lbGRla29ydCBvbSBodm9yIG15ZSBkdSBoYXIgYXJiZWlkZXQgaSBwZXJpb2RlbiBkdSBtb3",
        "R0YXIgYXJiZWlkc2F2a2xhcmluZ3NwZW5nZXIsIGVsbGVyIG9wcGx5c25pbmdlciBvbSBhcmJlaWRzaW5udGVrdCBkZXJzb20gZHUgbW90dGFy",
        "IHVmw7hyZXRyeWdkLgpPcHBseXNuaW5nZW5lIGdqZWxkZXIgcGVyaW9kZW4ge2ZyYU9nTWVkfeKAk3t0aWxPZ01lZH0uIFRyZWtrZXIgZHUgc2",
        "FtdHlra2V0LCBrYW4ge0NvdmVyZWRCeU5hbWV9IGlra2UgbGVuZ2VyIGlubmhlbnRlIHBlcnNvbm9wcGx5c25pbmdlciBvbSBkZWcgZGlyZWt0",
        "ZSBvZyBkaWdpdGFsdCBmcmEgTkFWLiBQw6UgbmF2Lm5vIGthbiBkdSBzZSBodmlsa2UgcGVyc29ub3BwbHlzbmluZ2VyIE5BViBoYXIgdXRsZX",
        "ZlcnQgYmFzZXJ0IHDDpSBkaXR0IHNhbXR5a2tlLugHVmVkIMOlIHNhbXR5a2tqZSBnaXIgZHUge0NvdmVyZWRCeU5hbWV9IHJldHQgdGlsIMOl",
        "IGhlbnRlIGlubiBwZXJzb25vcHBseXNuaW5nYXIgZGlnaXRhbHQgZnLDpSBOQVYgZm9yIMOlIGJlaGFuZGxlIGtyYXZldCBkaXR0IG9tIHVmw7",
        "hyZXl0aW5nYXIgZXR0ZXIgZm9yc2lrcmluZ3NhdnRhbGVuLiBOw6VyIGR1IHNhbXR5a2tqZXIsIGdpciBkdSBOQVYgcmV0dCB0aWwgw6UgdXRs",
        "ZXZlcmUgcGVyc29ub3BwbHlzbmluZ2FyIHRpbCB7Q292ZXJlZEJ5TmFtZX0gb20gYXJiZWlkc2F2a2xhcmluZ3NwZW5nYW5lIG9nIHVmw7hyZX",
        "RyeWdkYSBkaSBkZXJzb20gZHUgZsOlciBlbGxlciB0aWRsZWdhcmUgaGFyIGbDpXR0IG5va29uIGF2IGRlc3NlOgotIE9wcGx5c25pbmdhciBm",
        "csOlIHZlZHRhayBvbSBhcmJlaWRzYXZrbGFyaW5nc3BlbmdhciBvZyB1ZsO4cmV0cnlnZCwgbWVkcmVrbmEgb3BwbHlzbmluZ2FyIG9tIGdyYW",
        "QgYXYgeXRpbmdhLCB0aWRzcGVyaW9kZW4gdmVkdGFrYSBnamVsZCBmb3Igb2cgw6Vyc2FrYSB0aWwgb3BwaMO4eXIgZGVyc29tIHl0aW5nYSBm",
        "csOlIE5BViBlciBvcHBow7h5cmQuCi0gT3BwbHlzbmluZ2FyIGZyw6UgbWVsZGVrb3J0IG9tIGtvciBteWtqZSBkdSBoYXIgYXJiZWlkZCBpIH",
        "BlcmlvZGVuIGR1IGbDpXIgYXJiZWlkc2F2a2xhcmluZ3NwZW5nYXIsIGVsbGVyIG9wcGx5c25pbmdhciBvbSBhcmJlaWRzaW5udGVrdCBkZXJz",
        "b20gZHUgZsOlciB1ZsO4cmV0cnlnZC4KT3BwbHlzbmluZ2FuZSBnamVsZCBwZXJpb2RlbiB7ZnJhT2dNZWR94oCTe3RpbE9nTWVkfS4gVHJla2",
        "tqZXIgZHUgc2FtdHlra2V0LCBrYW4ge0NvdmVyZWRCeU5hbWV9IGlra2plIGxlbmdlciBoZW50ZSBpbm4gcGVyc29ub3BwbHlzbmluZ2FyIG9t",
        "IGRlZyBkaXJla3RlIG9nIGRpZ2l0YWx0IGZyw6UgTkFWLiBQw6UgbmF2Lm5vIGthbiBkdSBzasOlIGt2YSBwZXJzb25vcHBseXNuaW5nYXIgTk",
        "FWIGhhciB1dGxldmVydCBiYXNlcnQgcMOlIHNhbXR5a2tldCBkaXR0LtkHQnkgY29uc2VudGluZywgeW91IGdpdmUge0NvdmVyZWRCeU5hbWV9",
        "IHRoZSByaWdodCB0byBvYnRhaW4gcGVyc29uYWwgZGF0YSBkaWdpdGFsbHkgZnJvbSBOQVYgdG8gcHJvY2VzcyB5b3VyIGNsYWltIGZvciBkaX",
        "NhYmlsaXR5IGJlbmVmaXRzIHVuZGVyIHRoZSBpbnN1cmFuY2UgYWdyZWVtZW50LiBXaGVuIHlvdSBjb25zZW50LCB5b3UgZ2l2ZSBOQVYgdGhl",
        "IHJpZ2h0IHRvIGRpc2Nsb3NlIHBlcnNvbmFsIGRhdGEgdG8ge0NvdmVyZWRCeU5hbWV9IGFib3V0IHlvdXIgd29yayBhc3Nlc3NtZW50IGFsbG",
        "93YW5jZSBhbmQgZGlzYWJpbGl0eSBiZW5lZml0IGlmIHlvdSByZWNlaXZlIG9yIGhhdmUgcmVjZWl2ZWQgZWl0aGVyIG9mIHRoZW06Ci0gSW5m",
        "b3JtYXRpb24gZnJvbSBkZWNpc2lvbnMgb24gd29yayBhc3Nlc3NtZW50IGFsbG93YW5jZSBhbmQgZGlzYWJpbGl0eSBiZW5lZml0LCBpbmNsdW",
        "RpbmcgdGhlIGRlZ3JlZSBvZiB0aGUgYmVuZWZpdCwgdGhlIHBlcmlvZCB0aGUgZGVjaXNpb25zIGNvdmVyIGFuZCB3aHkgdGhlIGJlbmVmaXQg",
        "ZW5kZWQsIGlmIGl0IGhhcy4KLSBJbmZvcm1hdGlvbiBmcm9tIGVtcGxveW1lbnQgc3RhdHVzIGZvcm1zIG9uIGhvdyBtdWNoIHlvdSB3b3JrZW",
        "Qgd2hpbGUgcmVjZWl2aW5nIHdvcmsgYXNzZXNzbWVudCBhbGxvd2FuY2UsIG9yIG9uIHlvdXIgZWFybmVkIGluY29tZSBpZiB5b3UgcmVjZWl2",
        "ZSBkaXNhYmlsaXR5IGJlbmVmaXQuClRoZSBpbmZvcm1hdGlvbiBjb3ZlcnMgdGhlIHBlcmlvZCB7ZnJhT2dNZWR94oCTe3RpbE9nTWVkfS4gSW",
        "YgeW91IHdpdGhkcmF3IHRoZSBjb25zZW50LCB7Q292ZXJlZEJ5TmFtZX0gY2FuIG5vIGxvbmdlciBvYnRhaW4gcGVyc29uYWwgZGF0YSBhYm91",
        "dCB5b3UgZGlyZWN0bHkgYW5kIGRpZ2l0YWxseSBmcm9tIE5BVi4gT24gbmF2Lm5vIHlvdSBjYW4gc2VlIHdoaWNoIHBlcnNvbmFsIGRhdGEgTk",
        "FWIGhhcyBkaXNjbG9zZWQgYmFzZWQgb24geW91ciBjb25zZW50LgIIZnJhT2dNZWQBAQh0aWxPZ01lZAEBAQhmcmFPZ01lZAh0aWxPZ01lZAIC",
        "AwQAAAADlSQCpbGCsgMJQkFOS0VOIEFTAQ5iYW5rZW4uZXhhbXBsZZYkAaWxgrIDCUJBTktFTiBBUwEOYmFua2VuLmV4YW1wbGWEKQGlsYKyAw",
        "lCQU5LRU4gQVMBDmJhbmtlbi5leGFtcGxlAaWxgrIDCUJBTktFTiBBUwaEKQEAlSQCAJYkAQCEKQGlsYKyA5UkAqWxgrIDliQBpbGCsgMAAAIk",
        "aHR0cHM6Ly9iYW5rZW4uZXhhbXBsZS9zYW10eWtrZS9zdmFyHkJlaGFuZGxlIGtyYXYgb20gdWbDuHJleXRlbHNlcgEBhCkBAQIIZnJhT2dNZW",
        "QKMDEuMDEuMjAyMAh0aWxPZ01lZAozMS4xMi4yMDI0AAORCi3siQJMwb7rjaFljuxngMC8+uVlgLDvzOZlgPDF9dBnwOnD+uVl////////////",
        "AYDL8+UDAQxIw4VLT04gVFJBTkGlsYKyAwAAAAEJAAIQAgH4k6Lu+zJFXrHBhpDuQskLgJPL+uVlgIP+zOZlgPDF9dBngJPL+uVl//////////",
        "//AYDL8+UDAQxIw4VLT04gVFJBTkGlsYKyAwAAAAELAQMyAgFxu1TY0QFFuYNNC/+QFQKAgJPL+uVlgIP+zOZlgPDF9dBngJPL+uVlwLzS+uVl",
        "gMvz5QMBDEjDhUtPTiBUUkFOQaWxgrIDAAAAAQ4CBAICAQGAy/PlAwIAAAIMqojCV9cSImj2SUU5+u32sdITQJ/w3SZBBxgvF06hSgLA4u/65W",
        "UAUb1mOf7XwLSCavbAa/5PTM46p6jbNlOXjNTYitChiooAgLno+uVlAAJRvWY5/tfAtIJq9sBr/k9MzjqnqNs2U5eM1NiK0KGKigyqiMJX1xIi",
        "aPZJRTn67fax0hNAn/DdJkEHGC8XTqFKDoDAvPrlZQEAzq6bqAMBAQCAwLz65WUCAPTY5tADAQEAgMC8+uVlAwD02ObQAwEBAIDAvPrlZQQAzq",
        "6bqAMCAQCAwLz65WUFAPTY5tADAgEAgMC8+uVlBgD02ObQAwIBAIDAvPrlZQEApbGCsgMEAADA6cP65WUBBwAFAgCAk8v65WUBCM6um6gDCgEA",
        "gJPL+uVlAgClsYKyAwQAAICTy/rlZQIKAAYCAICTy/rlZQMApbGCsgMEAACAk8v65WUDDAAFAgDAvNL65WUDDQAHAgABpbGCsgMLAwEBAQEBAQ",
        "EBAQECzq6bqAMKAAMDAQEBAQEBAfTY5tADBAEBAgEFgLDvzOZlAACAg/7M5mUCAICD/szmZQEAgPDF9dBnAAGA8MX10GcCAQABhCkBorwCAgEB",
        "AAEAAAGRCi3siQJMwb7rjaFljuxnBB1Qcm9jZXNzIHlvdXIgZGlzYWJpbGl0eSBjbGFpbQ==",
    ]
}
