import ConsentCore
import ConsentServer

/// Builds consents the way lenders and NAV's insurers make them (DESIGN §1–2,
/// DOMAIN §16), through `ConsentLedger.execute` with the real domain commands:
///
/// - 75 %: a bank's loan application to Skatteetaten, one-time (engangssamtykke):
///   created (4629_2 and 4630_1 for 60 of those 75, 4629_2 alone for 15),
///   accepted by the person, code exchanged, used once, which ends it;
/// - 25 %: an insurer's NAV 5252_1 consent, time-limited (a year): created,
///   accepted, code exchanged, used one to three times.
///
/// Consents are made in chunks of 1,000 (the domain's batch limit): 1,000
/// creates, 1,000 accepts, one `exchangeCodes` and one `logUses` batch. The
/// clock advances 86 ms per consent, so a million consents span a day and, as
/// in a hub that has run for a while, most codes are already forgotten (codes
/// are kept an hour after they expire).
struct LoanFlow {
    let ledger: ConsentLedger
    var now: Timestamp
    private var personCandidate: UInt64 = 0
    private var random = SplitMix64(seed: 20_260_523)
    private(set) var consents = 0
    private(set) var refusals = 0

    static let bank = DemoRegistry.bankenAS
    static let redirect = "https://banken.example/samtykke/svar"

    init(ledger: ConsentLedger, start: Timestamp) {
        self.ledger = ledger
        self.now = start
    }

    /// Registers the demo resources and BANKEN AS (if not there yet).
    mutating func registerDemo() {
        for seed in DemoRegistry.commands {
            _ = ledger.execute(seed.command, by: seed.actor, at: now)
        }
    }

    /// Makes `count` more consents, in chunks of up to 1,000.
    mutating func make(_ count: Int) {
        var left = count
        while left > 0 {
            let chunk = min(1000, left)
            makeChunk(chunk)
            left -= chunk
        }
    }

    private mutating func makeChunk(_ size: Int) {
        let chunkStart = now
        var made: [(id: RequestID, code: [UInt8], resources: [ResourceID], uses: Int)] = []
        made.reserveCapacity(size)
        var kinds: [(NewConsentRequest, [ResourceID], Int)] = []
        kinds.reserveCapacity(size)
        for _ in 0..<size { kinds.append(nextRequest()) }

        // Created, 1 ms apart.
        var ids: [RequestID?] = []
        ids.reserveCapacity(size)
        for (index, (request, _, _)) in kinds.enumerated() {
            let at = chunkStart + .milliseconds(Int64(index))
            if case .success(.request(let view)) = ledger.execute(.createRequest(request), by: .consumer(Self.bank), at: at).result {
                ids.append(view.id)
            } else {
                ids.append(nil)
                refusals += 1
            }
        }
        // Accepted two seconds later, each by its own person.
        for (index, id) in ids.enumerated() {
            guard let id else { continue }
            let at = chunkStart + .milliseconds(2000 + Int64(index))
            let code = nextCodeHash()
            let user = EndUser(nationalId: nextPerson(), assuranceLevel: .high)
            if case .success = ledger.execute(.acceptRequest(id, code: CodeGrant(codeHash: code)), by: .endUser(user), at: at).result {
                made.append((id, code, kinds[index].1, kinds[index].2))
            } else {
                refusals += 1
            }
        }
        // The codes exchanged in one batch, the uses logged in another.
        let exchangedAt = chunkStart + .milliseconds(4000)
        if case .success(.tokenFactsBatch(let results)) = ledger.execute(.exchangeCodes(codeHashes: made.map(\.code)), by: .consumer(Self.bank), at: exchangedAt).result {
            refusals += results.filter { if case .failure = $0 { true } else { false } }.count
        } else {
            refusals += made.count
        }
        let usedAt = chunkStart + .milliseconds(5000)
        var uses: [UseReport] = []
        for consent in made {
            for n in 0..<consent.uses {
                uses.append(UseReport(consent: consent.id, resource: consent.resources[n % consent.resources.count], usedAt: usedAt))
            }
        }
        var start = 0
        while start < uses.count {
            let batch = Array(uses[start..<min(start + 1000, uses.count)])
            if case .success(.usedBatch(let results)) = ledger.execute(.logUses(batch), by: .consumer(Self.bank), at: usedAt).result {
                refusals += results.filter { if case .failure = $0 { true } else { false } }.count
            } else {
                refusals += batch.count
            }
            start += 1000
        }
        consents += made.count
        now = chunkStart + .milliseconds(86 * Int64(size))
    }

    /// A request of the mix above, the resources it names, and how many uses it gets.
    private mutating func nextRequest() -> (NewConsentRequest, [ResourceID], Int) {
        let roll = random.next() % 100
        if roll < 75 {
            var resources = [ResourceRequest(DemoRegistry.incomeAndTaxBase, metadata: [MetadataValue("inntektsaar", "2025")])]
            if roll < 60 {
                resources.append(ResourceRequest(DemoRegistry.incomeInformation, metadata: [
                    MetadataValue("fraOgMed", "01.01.2025"), MetadataValue("tilOgMed", "31.12.2025"),
                ]))
            }
            let request = NewConsentRequest(
                resources: resources, redirectURL: Self.redirect, validTo: now + .seconds(10 * 86_400),
                language: .bokmal, purpose: "Lånesøknad")
            return (request, resources.map(\.resource), 1)
        }
        let request = NewConsentRequest(
            resources: [ResourceRequest(DemoRegistry.disabilityBenefits, metadata: [
                MetadataValue("fraOgMed", "01.01.2022"), MetadataValue("tilOgMed", "31.12.2025"),
            ])],
            redirectURL: Self.redirect, validTo: now + .seconds(365 * 86_400),
            language: .bokmal, purpose: "Behandle krav om uføreytelser")
        return (request, [DemoRegistry.disabilityBenefits], 1 + Int(random.next() % 3))
    }

    /// 32 bytes standing in for the SHA-256 of an authorization code.
    private mutating func nextCodeHash() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            withUnsafeBytes(of: random.next()) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// The next valid national identity number (synthetic birth dates 1940–1999).
    private mutating func nextPerson() -> NationalIdentityNumber {
        while true {
            let n = personCandidate
            personCandidate += 1
            let individual = n % 500
            let day = (n / 500) % 28 + 1
            let month = (n / 14_000) % 12 + 1
            let year = (n / 168_000) % 60 + 40
            let nine = [UInt8(day / 10), UInt8(day % 10), UInt8(month / 10), UInt8(month % 10), UInt8(year / 10), UInt8(year % 10),
                        UInt8(individual / 100), UInt8(individual / 10 % 10), UInt8(individual % 10)]
            guard let (k1, k2) = NationalIdentityNumber.checkDigits(forFirstNine: nine) else { continue }
            let text = String(decoding: (nine + [k1, k2]).map { $0 + 0x30 }, as: UTF8.self)
            if let id = try? NationalIdentityNumber(validating: text) { return id }
        }
    }
}
