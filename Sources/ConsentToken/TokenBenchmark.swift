import ConsentOpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// Measures token signing against raw ECDSA signing on this machine
/// (DESIGN §10: figures are ratios to a reference measured in the same run).
///
/// Not a test: call it from a release build (`consent-load`, a scratch
/// executable) — debug builds measure the optimiser's absence.
public enum TokenBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        /// Complete tokens per second: claims JSON, base64url, ECDSA, assembly.
        public var tokensPerSecond: Double
        /// `P256.PrivateKey.sign` per second over a message of a token's size.
        public var rawSignsPerSecond: Double
        /// Bytes in one benchmark token.
        public var tokenLength: Int

        /// `tokensPerSecond / rawSignsPerSecond`; the goal is ≥ 0.9.
        public var ratio: Double { tokensPerSecond / rawSignsPerSecond }

        public var description: String {
            let tokens = Int(tokensPerSecond.rounded())
            let raw = Int(rawSignsPerSecond.rounded())
            let percent = (ratio * 1000).rounded() / 10
            return "tokens/s \(tokens), raw ECDSA signs/s \(raw), ratio \(percent) % (token \(tokenLength) bytes)"
        }
    }

    /// Alternates half-second slices of token signing and raw signing on the
    /// calling thread for about `seconds` in total, so both see the same
    /// machine noise.
    /// - Throws: `OpenSSLError` if key generation or signing fails.
    public static func run(seconds: Double = 4) throws -> Result {
        let key = try SigningKey(privateKey: P256.PrivateKey())
        let signer = TokenSigner(keySet: try TokenKeySet(active: key), issuer: "https://consenthub.example")
        let now = Int64(time(nil))
        let consent = ConsentAuthorizationDetail(
            consentID: "0b4c2a1e-7d0f-4a55-9f7e-3c1d2b6a9e01",
            from: .person(identifier: "01017012345"),
            consumerOrganizationNumber: "910000004",
            consentedAt: now - 60,
            validTo: now + 86_400 * 90,
            rights: [
                ConsentRight(resource: "5252_1", metadata: ["fraOgMed": "01.01.2024", "tilOgMed": "31.12.2024"]),
                ConsentRight(resource: "4629_2", metadata: ["inntektsaar": "2024"]),
            ])
        let sample = try signer.issue(for: consent, isOneTime: false, now: now)
        let rawMessage = Array(sample.utf8.prefix(sample.utf8.count - 87))

        var tokenCount = 0
        var rawCount = 0
        var tokenTime: Double = 0
        var rawTime: Double = 0
        let clock = ContinuousClock()
        let slices = max(2, Int(seconds / 0.5))
        for slice in 0..<slices {
            let start = clock.now
            var count = 0
            if slice % 2 == 0 {
                while clock.now - start < .milliseconds(500) {
                    for _ in 0..<16 { _ = try signer.issue(for: consent, isOneTime: false, now: now) }
                    count += 16
                }
                tokenCount += count
                tokenTime += elapsed(clock.now - start)
            } else {
                try rawMessage.withUnsafeBytes { message in
                    while clock.now - start < .milliseconds(500) {
                        for _ in 0..<16 { _ = try key.privateKey.sign(message) }
                        count += 16
                    }
                }
                rawCount += count
                rawTime += elapsed(clock.now - start)
            }
        }
        return Result(
            tokensPerSecond: Double(tokenCount) / tokenTime,
            rawSignsPerSecond: Double(rawCount) / rawTime,
            tokenLength: sample.utf8.count)
    }

    private static func elapsed(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
