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
        /// The median over interleaved slice pairs of token rate / raw rate;
        /// the goal is ≥ 0.9.
        public var medianRatio: Double
        /// Bytes in one benchmark token.
        public var tokenLength: Int

        /// `tokensPerSecond / rawSignsPerSecond` over the whole run.
        public var ratio: Double { tokensPerSecond / rawSignsPerSecond }

        public var description: String {
            let tokens = Int(tokensPerSecond.rounded())
            let raw = Int(rawSignsPerSecond.rounded())
            let overall = (ratio * 1000).rounded() / 10
            let median = (medianRatio * 1000).rounded() / 10
            return "tokens/s \(tokens), raw ECDSA signs/s \(raw), ratio \(overall) % (median of slice pairs \(median) %), token \(tokenLength) bytes"
        }
    }

    /// Alternates 100 ms slices of token signing and raw signing on the
    /// calling thread for about `seconds` in total. Rates are per CPU second
    /// of the thread (compare with `openssl speed`, which also counts CPU time).
    /// - Parameters:
    ///   - rights: resources per token: 1 is the common loan case (one
    ///     resource, a period in its metadata, ~900-byte token); 2 makes a
    ///     ~1,100-byte token.
    /// - Throws: `OpenSSLError` if key generation or signing fails.
    public static func run(seconds: Double = 4, rights: Int = 1) throws -> Result {
        let key = try SigningKey(privateKey: P256.PrivateKey())
        let signer = TokenSigner(keySet: try TokenKeySet(active: key), issuer: "https://consenthub.example")
        let now = Int64(time(nil))
        let consent = ConsentAuthorizationDetail(
            consentID: "0b4c2a1e-7d0f-4a55-9f7e-3c1d2b6a9e01",
            from: .person(identifier: "01017012345"),
            consumerOrganisationNumber: "910203045",
            consentedAt: now - 60,
            validTo: now + 86_400 * 90,
            rights: Array([
                ConsentRight(resource: "5252_1", metadata: ["fraOgMed": "01.01.2024", "tilOgMed": "31.12.2024"]),
                ConsentRight(resource: "4629_2", metadata: ["inntektsaar": "2024"]),
            ].prefix(max(1, min(rights, 2)))))
        let sample = try signer.issue(for: consent, isOneTime: false, now: now)
        let rawMessage = Array(sample.utf8.prefix(sample.utf8.count - 87))

        // Short alternating slices, so that both kinds of work see the same
        // machine: on a shared, noisy host the load changes within seconds.
        // Each token slice is paired with the raw slice after it; the median
        // of the pairs' ratios resists a burst of load landing in one slice.
        let clock = ContinuousClock()
        let slice = Duration.milliseconds(100)
        let pairs = max(3, Int(seconds / 0.2))
        var tokenCount = 0
        var rawCount = 0
        var tokenTime: Double = 0
        var rawTime: Double = 0
        var ratios: [Double] = []
        for _ in 0..<pairs {
            var start = clock.now
            var cpuStart = threadCPUTime()
            var count = 0
            while clock.now - start < slice {
                for _ in 0..<8 { _ = try signer.issue(for: consent, isOneTime: false, now: now) }
                count += 8
            }
            let tokenCPU = threadCPUTime() - cpuStart
            tokenCount += count
            tokenTime += tokenCPU

            start = clock.now
            cpuStart = threadCPUTime()
            var rawSlice = 0
            try rawMessage.withUnsafeBytes { message in
                while clock.now - start < slice {
                    for _ in 0..<8 { _ = try key.privateKey.sign(message) }
                    rawSlice += 8
                }
            }
            let rawCPU = threadCPUTime() - cpuStart
            rawCount += rawSlice
            rawTime += rawCPU
            let tokenRate = Double(count) / tokenCPU
            let rawRate = Double(rawSlice) / rawCPU
            ratios.append(tokenRate / rawRate)
        }
        ratios.sort()
        return Result(
            tokensPerSecond: Double(tokenCount) / tokenTime,
            rawSignsPerSecond: Double(rawCount) / rawTime,
            medianRatio: ratios[ratios.count / 2],
            tokenLength: sample.utf8.count)
    }

    /// CPU seconds used by the calling thread. Rates are per CPU second, as
    /// `openssl speed` reports them by default, so other processes on a
    /// shared machine change how long a run takes but not its figures.
    private static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
