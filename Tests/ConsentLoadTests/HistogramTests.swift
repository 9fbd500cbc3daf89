import Foundation
import Testing
@testable import ConsentLoad

/// The log-linear histogram: bounded relative error at every magnitude,
/// percentiles as a sorted array gives them, and merging.
@Suite struct HistogramTests {
    /// Nearest-rank percentile of a sorted array: what the histogram approximates.
    static func oracle(_ sorted: [UInt64], _ percentile: Double) -> UInt64 {
        // Exact rational arithmetic for the percentiles the tests use (hundredths).
        let hundredths = Int((percentile * 100).rounded())
        let rank = max(1, (hundredths * sorted.count + 9_999) / 10_000)
        return sorted[rank - 1]
    }

    /// Values spread evenly over the logarithm from 1 ns to ~18 minutes.
    static func logUniform(_ count: Int, seed: UInt64) -> [UInt64] {
        var rng = SplitMix(seed: seed)
        return (0..<count).map { _ in UInt64(exp2(Double(rng.next() % 40_000_000) / 1_000_000)) }
    }

    @Test func twoSignificantDigitsMeanSevenPrecisionBits() {
        #expect(Histogram(significantDigits: 2).precisionBits == 7)
        #expect(Histogram(significantDigits: 3).precisionBits == 10)
        #expect(Histogram().maxRelativeError < 0.01)
    }

    @Test func everyValueLandsInABucketThatHoldsIt() {
        for bits in [3, 7, 10] {
            var values: [UInt64] = Array(0...5000)
            var v: UInt64 = 5001
            while v < UInt64.max / 3 { values += [v - 1, v, v + 1]; v = v * 3 / 2 }
            values.append(.max)
            for value in values {
                let range = Histogram.bucketRange(Histogram.bucketIndex(value, precisionBits: bits), precisionBits: bits)
                #expect(range.contains(value), "bits \(bits): \(value) not in \(range)")
                // No shared bucket is wider than 1/2^bits of its lower bound
                // (single-value buckets are exact).
                if range.upperBound > range.lowerBound {
                    #expect(Double(range.upperBound - range.lowerBound + 1) / Double(range.lowerBound) <= 1 / Double(1 << bits) + 1e-12)
                }
            }
        }
    }

    @Test func smallValuesAreExact() {
        var h = Histogram()
        for v in UInt64(0)..<256 { h.record(v) }
        for p in stride(from: 1.0, through: 100, by: 1) {
            let sorted = (UInt64(0)..<256).map { $0 }
            #expect(h.value(atPercentile: p) == Self.oracle(sorted, p))
        }
    }

    @Test func percentilesAreWithinTheRelativeErrorOfASortedArray() {
        for seed in [1, 2, 3] as [UInt64] {
            let values = Self.logUniform(50_000, seed: seed)
            var h = Histogram()
            for v in values { h.record(v) }
            let sorted = values.sorted()
            for p in [0.0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100] {
                let exact = Self.oracle(sorted, p)
                let approx = h.value(atPercentile: p)
                let error = abs(Double(approx) - Double(exact)) / Double(max(exact, 1))
                #expect(error <= h.maxRelativeError, "p\(p): \(approx) vs \(exact), error \(error)")
            }
            #expect(h.count == 50_000)
            #expect(h.min == sorted.first! && h.max == sorted.last!)
            #expect(abs(h.mean - Double(values.reduce(0, +)) / 50_000) < 1e-6 * h.mean)
        }
    }

    @Test func mergingTwoHalvesEqualsRecordingEverything() {
        let values = Self.logUniform(20_000, seed: 9)
        var whole = Histogram(), left = Histogram(), right = Histogram()
        for (i, v) in values.enumerated() {
            whole.record(v)
            if i % 3 == 0 { left.record(v) } else { right.record(v) }
        }
        var merged = left
        merged.merge(right)
        #expect(merged.counts == whole.counts)
        #expect(merged.count == whole.count && merged.min == whole.min && merged.max == whole.max)
        for p in [50.0, 99, 99.9] { #expect(merged.value(atPercentile: p) == whole.value(atPercentile: p)) }
        var empty = Histogram()
        empty.merge(Histogram())
        #expect(empty.isEmpty && empty.value(atPercentile: 99) == 0)
    }

    @Test func countAtLeastCountsTheTail() {
        var h = Histogram()
        for _ in 0..<100 { h.record(1_000) }
        for _ in 0..<10 { h.record(1_000_000) }
        #expect(h.count(atLeast: 500_000) == 10)
        #expect(h.count(atLeast: 0) == 110)
        #expect(h.count(atLeast: 2_000_000) == 0)
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Nearest rank in integers (p99.9 of 1,000 values once reported the maximum).
@Suite struct NearestRankTests {
    @Test func p999OfAThousandCallsIsTheNineHundredNinetyNinthNotTheMaximum() {
        var histogram = Histogram()
        for value in 1...1000 { histogram.record(UInt64(value) * 1_000) }
        // Rank 999 is 999 µs (to the histogram's precision), the maximum 1,000 µs.
        let p999 = histogram.value(atPercentile: 99.9)
        #expect(p999 < 1_000_000, "p99.9 came out as the maximum: \(p999)")
        #expect(Histogram.nearestRank(99.9, of: 1000) == 999)
        #expect(Histogram.nearestRank(99.9, of: 2000) == 1998)
        #expect(Histogram.nearestRank(50, of: 3) == 2)
        #expect(Histogram.nearestRank(0, of: 5) == 1)
        #expect(Histogram.nearestRank(100, of: 5) == 5)
    }
}
