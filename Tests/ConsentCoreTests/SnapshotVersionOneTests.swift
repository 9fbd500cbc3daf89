import Foundation
import Testing
@testable import ConsentCore

/// A snapshot written by the hub before issue 12 (format version 1) is still
/// read: its statistics are counted from its logged events, exactly as
/// applying them counts, and it has no vendors, limits or handled-by.
///
/// The fixture is the payload of `snap-00000000000000000015.snap` from the
/// release `consentd` of commit 53859da (`--demo-registry
/// --snapshot-every-records 1`), after `consentctl` created three NAV
/// requests for the demo user, the portal accepted the first two and
/// rejected the third, NAV logged two uses of the first, and the user
/// withdrew the second (events 7 to 15, on 06.12.2026).
@Suite("Reading snapshots of version 1")
struct SnapshotVersionOneTests {
    static let consents = ["d922f0d0-89ec-4a89-86a6-731995779042", "e74945dd-4b70-4274-9f25-3f30b971ec73", "d66f5917-d651-432c-b351-31e9c37b56e8"]

    static var payload: [UInt8] {
        Array(Data(base64Encoded: fixture.joined())!)
    }

    @Test("A version-1 snapshot loads, with statistics counted from its events")
    func loads() throws {
        let bytes = Self.payload
        #expect(Array(bytes.prefix(7)) == Array("CHSNAP".utf8) + [1])
        let state = try ConsentState(snapshot: bytes)
        #expect(state.lastSequence == 15 && state.requestCount == 3)
        #expect(state.tables.vendors.isEmpty && state.tables.dailyUses.isEmpty)
        #expect(state.tables.records.allSatisfy { $0.handledBy == 0 })
        let rows = try state.statistics(visibleTo: .admin(Fixture.brreg))
        #expect(rows.count == 1)
        #expect(rows.first?.resource == Fixture.nav5252 && rows.first?.period == "2026-12-06")
        let c = rows.first?.counts
        #expect(c?.given == 2 && c?.rejected == 1 && c?.withdrawn == 1 && c?.used == 2 && c?.ended == 0)

        // Written again it is the current version, and reads back equal.
        let again = state.encodeSnapshot()
        #expect(again[6] == ConsentState.snapshotVersion)
        #expect(try ConsentState(snapshot: again) == state)
    }

    @Test("Events decided on the loaded state apply and count as usual")
    func goesOn() throws {
        var state = try ConsentState(snapshot: Self.payload)
        let id = try RequestID(validating: Self.consents[0])
        let usedAt = Timestamp(millisecondsSinceEpoch: state.tables.records[0].decidedAt + 60_000)
        var random = SplitMix64(seed: 1)
        let decision = try state.decide(.logUse(UseReport(consent: id, resource: Fixture.nav5252, usedAt: usedAt)),
                                        by: .dataSource(Fixture.nav), at: usedAt, using: &random)
        for event in decision.events { state.apply(try EventCodec.decode(EventCodec.encode(event))) }
        #expect(try state.statistics(visibleTo: .dataSource(Fixture.nav)).first?.counts.used == 3)
        #expect(try ConsentState(snapshot: state.encodeSnapshot()) == state)
    }

    static let fixture = [
        "Q0hTTkFQAQ8DAZUkAvTY5tADDFNrYXR0ZWV0YXRlbgcrSW5udGVrdCBvZyBza2F0dGVncnVubmxhZyBmb3Ige2lubnRla3RzYWFyfStJbm50ZW",
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
        "YXICAQABAR4DAZYkAfTY5tADDFNrYXR0ZWV0YXRlbgckSW5udGVrdHNvcHBseXNuaW5nZXIgZnJhIGEtb3JkbmluZ2VuJElubnRla3Rzb3BwbH",
        "lzbmluZ2FyIGZyw6UgYS1vcmRuaW5nYThJbmNvbWUgaW5mb3JtYXRpb24gZnJvbSBlbXBsb3llcnMnIHJlcG9ydHMgKGEtb3JkbmluZ2VuKQfU",
        "AVZlZCDDpSBzYW10eWtrZSBnaXIgZHUgU2thdHRlZXRhdGVuIHJldHQgdGlsIMOlIHV0bGV2ZXJlIGlubnRla3Rzb3BwbHlzbmluZ2VyIHNvbS",
        "BhcmJlaWRzZ2l2ZXJlIGhhciByYXBwb3J0ZXJ0IG9tIGRlZyBmb3IgcGVyaW9kZW4ge2ZyYU9nTWVkfeKAk3t0aWxPZ01lZH0sIHRpbCB7Q292",
        "ZXJlZEJ5TmFtZX0sIGZvciDDpSBiZWhhbmRsZSBsw6VuZXPDuGtuYWRlbiBkaW4u1gFWZWQgw6Ugc2FtdHlra2plIGdpciBkdSBTa2F0dGVldG",
        "F0ZW4gcmV0dCB0aWwgw6UgdXRsZXZlcmUgaW5udGVrdHNvcHBseXNuaW5nYXIgc29tIGFyYmVpZHNnaXZhcmFyIGhhciByYXBwb3J0ZXJ0IG9t",
        "IGRlZyBmb3IgcGVyaW9kZW4ge2ZyYU9nTWVkfeKAk3t0aWxPZ01lZH0sIHRpbCB7Q292ZXJlZEJ5TmFtZX0sIGZvciDDpSBiZWhhbmRsZSBsw6",
        "VuZXPDuGtuYWRlbiBkaW4u5AFCeSBjb25zZW50aW5nLCB5b3UgZ2l2ZSB0aGUgTm9yd2VnaWFuIFRheCBBZG1pbmlzdHJhdGlvbiB0aGUgcmln",
        "aHQgdG8gZGlzY2xvc2UgdG8ge0NvdmVyZWRCeU5hbWV9IHRoZSBpbmNvbWUgaW5mb3JtYXRpb24gZW1wbG95ZXJzIGhhdmUgcmVwb3J0ZWQgYW",
        "JvdXQgeW91IGZvciB0aGUgcGVyaW9kIHtmcmFPZ01lZH3igJN7dGlsT2dNZWR9LCB0byBwcm9jZXNzIHlvdXIgbG9hbiBhcHBsaWNhdGlvbi4C",
        "CGZyYU9nTWVkAQEIdGlsT2dNZWQBAQEIZnJhT2dNZWQIdGlsT2dNZWQBAR4DAYQpAc6um6gDA05BVgc+T3BwbHlzbmluZ2VyIG9tIGFyYmVpZH",
        "NhdmtsYXJpbmdzcGVuZ2VyIG9nIHVmw7hyZXRyeWdkIGZyYSBOQVY/T3BwbHlzbmluZ2FyIG9tIGFyYmVpZHNhdmtsYXJpbmdzcGVuZ2FyIG9n",
        "IHVmw7hyZXRyeWdkIGZyw6UgTkFWSEluZm9ybWF0aW9uIG9uIHdvcmsgYXNzZXNzbWVudCBhbGxvd2FuY2UgYW5kIGRpc2FiaWxpdHkgYmVuZW",
        "ZpdCBmcm9tIE5BVgfnB1ZlZCDDpSBzYW10eWtrZSBnaXIgZHUge0NvdmVyZWRCeU5hbWV9IHJldHQgdGlsIMOlIGlubmhlbnRlIHBlcnNvbm9w",
        "cGx5c25pbmdlciBkaWdpdGFsdCBmcmEgTkFWIHRpbCDDpSBiZWhhbmRsZSBkaXR0IGtyYXYgb20gdWbDuHJleXRlbHNlciBldHRlciBmb3JzaW",
        "tyaW5nc2F2dGFsZW4uIE7DpXIgZHUgc2FtdHlra2VyIGdpciBkdSBOQVYgcmV0dCB0aWwgw6UgdXRsZXZlcmUgcGVyc29ub3BwbHlzbmluZ2Vy",
        "IHRpbCB7Q292ZXJlZEJ5TmFtZX0gb20gZGluZSBhcmJlaWRzYXZrbGFyaW5nc3BlbmdlciBvZyB1ZsO4cmV0cnlnZCBkZXJzb20gZHUgbW90dG",
        "FyIGVsbGVyIHRpZGxpZ2VyZSBoYXIgbW90dGF0dCBub2VuIGF2IGRpc3NlOgotIE9wcGx5c25pbmdlciBmcmEgdmVkdGFrIG9tIGFyYmVpZHNh",
        "dmtsYXJpbmdzcGVuZ2VyIG9nIHVmw7hyZXRyeWdkLCBoZXJ1bmRlciBvcHBseXNuaW5nZXIgb20gZ3JhZCBhdiB5dGVsc2VuLCB0aWRzcGVyaW",
        "9kZSB2ZWR0YWtlbmUgZ2plbGRlciBmb3Igb2cgw6Vyc2FrZW4gdGlsIG9wcGjDuHIgZGVyc29tIHl0ZWxzZW4gZnJhIE5BViBlciBvcHBow7hy",
        "dC4KLSBPcHBseXNuaW5nZXIgZnJhIG1lbGRla29ydCBvbSBodm9yIG15ZSBkdSBoYXIgYXJiZWlkZXQgaSBwZXJpb2RlbiBkdSBtb3R0YXIgYX",
        "JiZWlkc2F2a2xhcmluZ3NwZW5nZXIsIGVsbGVyIG9wcGx5c25pbmdlciBvbSBhcmJlaWRzaW5udGVrdCBkZXJzb20gZHUgbW90dGFyIHVmw7hy",
        "ZXRyeWdkLgpPcHBseXNuaW5nZW5lIGdqZWxkZXIgcGVyaW9kZW4ge2ZyYU9nTWVkfeKAk3t0aWxPZ01lZH0uIFRyZWtrZXIgZHUgc2FtdHlra2",
        "V0LCBrYW4ge0NvdmVyZWRCeU5hbWV9IGlra2UgbGVuZ2VyIGlubmhlbnRlIHBlcnNvbm9wcGx5c25pbmdlciBvbSBkZWcgZGlyZWt0ZSBvZyBk",
        "aWdpdGFsdCBmcmEgTkFWLiBQw6UgbmF2Lm5vIGthbiBkdSBzZSBodmlsa2UgcGVyc29ub3BwbHlzbmluZ2VyIE5BViBoYXIgdXRsZXZlcnQgYm",
        "FzZXJ0IHDDpSBkaXR0IHNhbXR5a2tlLugHVmVkIMOlIHNhbXR5a2tqZSBnaXIgZHUge0NvdmVyZWRCeU5hbWV9IHJldHQgdGlsIMOlIGhlbnRl",
        "IGlubiBwZXJzb25vcHBseXNuaW5nYXIgZGlnaXRhbHQgZnLDpSBOQVYgZm9yIMOlIGJlaGFuZGxlIGtyYXZldCBkaXR0IG9tIHVmw7hyZXl0aW",
        "5nYXIgZXR0ZXIgZm9yc2lrcmluZ3NhdnRhbGVuLiBOw6VyIGR1IHNhbXR5a2tqZXIsIGdpciBkdSBOQVYgcmV0dCB0aWwgw6UgdXRsZXZlcmUg",
        "cGVyc29ub3BwbHlzbmluZ2FyIHRpbCB7Q292ZXJlZEJ5TmFtZX0gb20gYXJiZWlkc2F2a2xhcmluZ3NwZW5nYW5lIG9nIHVmw7hyZXRyeWdkYS",
        "BkaSBkZXJzb20gZHUgZsOlciBlbGxlciB0aWRsZWdhcmUgaGFyIGbDpXR0IG5va29uIGF2IGRlc3NlOgotIE9wcGx5c25pbmdhciBmcsOlIHZl",
        "ZHRhayBvbSBhcmJlaWRzYXZrbGFyaW5nc3BlbmdhciBvZyB1ZsO4cmV0cnlnZCwgbWVkcmVrbmEgb3BwbHlzbmluZ2FyIG9tIGdyYWQgYXYgeX",
        "RpbmdhLCB0aWRzcGVyaW9kZW4gdmVkdGFrYSBnamVsZCBmb3Igb2cgw6Vyc2FrYSB0aWwgb3BwaMO4eXIgZGVyc29tIHl0aW5nYSBmcsOlIE5B",
        "ViBlciBvcHBow7h5cmQuCi0gT3BwbHlzbmluZ2FyIGZyw6UgbWVsZGVrb3J0IG9tIGtvciBteWtqZSBkdSBoYXIgYXJiZWlkZCBpIHBlcmlvZG",
        "VuIGR1IGbDpXIgYXJiZWlkc2F2a2xhcmluZ3NwZW5nYXIsIGVsbGVyIG9wcGx5c25pbmdhciBvbSBhcmJlaWRzaW5udGVrdCBkZXJzb20gZHUg",
        "ZsOlciB1ZsO4cmV0cnlnZC4KT3BwbHlzbmluZ2FuZSBnamVsZCBwZXJpb2RlbiB7ZnJhT2dNZWR94oCTe3RpbE9nTWVkfS4gVHJla2tqZXIgZH",
        "Ugc2FtdHlra2V0LCBrYW4ge0NvdmVyZWRCeU5hbWV9IGlra2plIGxlbmdlciBoZW50ZSBpbm4gcGVyc29ub3BwbHlzbmluZ2FyIG9tIGRlZyBk",
        "aXJla3RlIG9nIGRpZ2l0YWx0IGZyw6UgTkFWLiBQw6UgbmF2Lm5vIGthbiBkdSBzasOlIGt2YSBwZXJzb25vcHBseXNuaW5nYXIgTkFWIGhhci",
        "B1dGxldmVydCBiYXNlcnQgcMOlIHNhbXR5a2tldCBkaXR0LtkHQnkgY29uc2VudGluZywgeW91IGdpdmUge0NvdmVyZWRCeU5hbWV9IHRoZSBy",
        "aWdodCB0byBvYnRhaW4gcGVyc29uYWwgZGF0YSBkaWdpdGFsbHkgZnJvbSBOQVYgdG8gcHJvY2VzcyB5b3VyIGNsYWltIGZvciBkaXNhYmlsaX",
        "R5IGJlbmVmaXRzIHVuZGVyIHRoZSBpbnN1cmFuY2UgYWdyZWVtZW50LiBXaGVuIHlvdSBjb25zZW50LCB5b3UgZ2l2ZSBOQVYgdGhlIHJpZ2h0",
        "IHRvIGRpc2Nsb3NlIHBlcnNvbmFsIGRhdGEgdG8ge0NvdmVyZWRCeU5hbWV9IGFib3V0IHlvdXIgd29yayBhc3Nlc3NtZW50IGFsbG93YW5jZS",
        "BhbmQgZGlzYWJpbGl0eSBiZW5lZml0IGlmIHlvdSByZWNlaXZlIG9yIGhhdmUgcmVjZWl2ZWQgZWl0aGVyIG9mIHRoZW06Ci0gSW5mb3JtYXRp",
        "b24gZnJvbSBkZWNpc2lvbnMgb24gd29yayBhc3Nlc3NtZW50IGFsbG93YW5jZSBhbmQgZGlzYWJpbGl0eSBiZW5lZml0LCBpbmNsdWRpbmcgdG",
        "hlIGRlZ3JlZSBvZiB0aGUgYmVuZWZpdCwgdGhlIHBlcmlvZCB0aGUgZGVjaXNpb25zIGNvdmVyIGFuZCB3aHkgdGhlIGJlbmVmaXQgZW5kZWQs",
        "IGlmIGl0IGhhcy4KLSBJbmZvcm1hdGlvbiBmcm9tIGVtcGxveW1lbnQgc3RhdHVzIGZvcm1zIG9uIGhvdyBtdWNoIHlvdSB3b3JrZWQgd2hpbG",
        "UgcmVjZWl2aW5nIHdvcmsgYXNzZXNzbWVudCBhbGxvd2FuY2UsIG9yIG9uIHlvdXIgZWFybmVkIGluY29tZSBpZiB5b3UgcmVjZWl2ZSBkaXNh",
        "YmlsaXR5IGJlbmVmaXQuClRoZSBpbmZvcm1hdGlvbiBjb3ZlcnMgdGhlIHBlcmlvZCB7ZnJhT2dNZWR94oCTe3RpbE9nTWVkfS4gSWYgeW91IH",
        "dpdGhkcmF3IHRoZSBjb25zZW50LCB7Q292ZXJlZEJ5TmFtZX0gY2FuIG5vIGxvbmdlciBvYnRhaW4gcGVyc29uYWwgZGF0YSBhYm91dCB5b3Ug",
        "ZGlyZWN0bHkgYW5kIGRpZ2l0YWxseSBmcm9tIE5BVi4gT24gbmF2Lm5vIHlvdSBjYW4gc2VlIHdoaWNoIHBlcnNvbmFsIGRhdGEgTkFWIGhhcy",
        "BkaXNjbG9zZWQgYmFzZWQgb24geW91ciBjb25zZW50LgIIZnJhT2dNZWQBAQh0aWxPZ01lZAEBAQhmcmFPZ01lZAh0aWxPZ01lZAICAwQDlSQC",
        "pbGCsgMJQkFOS0VOIEFTAQ5iYW5rZW4uZXhhbXBsZZYkAaWxgrIDCUJBTktFTiBBUwEOYmFua2VuLmV4YW1wbGWEKQGlsYKyAwlCQU5LRU4gQV",
        "MBDmJhbmtlbi5leGFtcGxlAaWxgrIDCUJBTktFTiBBUwaEKQEAlSQCAJYkAQCEKQGlsYKyA5UkAqWxgrIDliQBpbGCsgMCGWh0dHBzOi8vYmFu",
        "a2VuLmV4YW1wbGUvY2IETMOlbgEBhCkBAQIIZnJhT2dNZWQKMDEuMDEuMjAyNAh0aWxPZ01lZAozMS4xMi4yMDI0A9ki8NCJ7EqJhqZzGZV3kE",
        "LypKe2yWjylNqIymiM1LCxtGqmuKe2yWj///////////8B6/n1gjgBDEjDhUtPTiBUUkFOQaWxgrIDAAABDgACAAIB50lF3UtwQnSfJT8wuXHs",
        "c+aqp7bJaOaa2ojKaK7asLG0arS5p7bJaIa/p7bJaOv59YI4AQxIw4VLT04gVFJBTkGlsYKyAwAAAQ8BBAACAdZvWRfWUUMss1Ex6cN7VujKsa",
        "e2yWjKodqIymja4LCxtGr0uqe2yWj///////////8B6/n1gjgBDEjDhUtPTiBUUkFOQaWxgrIDAAABDAIDAAIBAev59YI4AgAAAtOZvBDzCFPh",
        "2cjdwOPWGr4+QOq4gla2oRjpRYIdJyyGAOaHzLbJaAAaIiwm5uhyjujvtC9T19nSq8UOigGG8+LeCrevI5r2CwH0iMy2yWgAAtOZvBDzCFPh2c",
        "jdwOPWGr4+QOq4gla2oRjpRYIdJyyGGiIsJuboco7o77QvU9fZ0qvFDooBhvPi3gq3ryOa9gsPhL2mtsloAQDOrpuoAwEBAIa9prbJaAIA9Njm",
        "0AMBAQCGvaa2yWgDAPTY5tADAQEAhr2mtsloBADOrpuoAwIBAIa9prbJaAUA9Njm0AMCAQCGvaa2yWgGAPTY5tADAgEA8qSntsloAQClsYKyAw",
        "QAAOaqp7bJaAIApbGCsgMEAADKsae2yWgDAKWxgrIDBAAAprintsloAQcABQIAtLmntsloAggABQIA9LqntsloAwkABgIAlryntsloAQrOrpuo",
        "AwoBAPC9p7bJaAENzq6bqAMKAQCGv6e2yWgCCwAHAgABpbGCsgMMAwEBAQEBAQEBAQEBAs6um6gDCwADAwEBAQEBAQEB9Njm0AMEAQECAQXylN",
        "qIymgAAOaa2ojKaAEAyqHaiMpoAgCM1LCxtGoAAa7asLG0agEB",
    ]
}
