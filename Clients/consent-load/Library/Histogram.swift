/// A log-linear histogram of non-negative integers (latencies in
/// nanoseconds), after HdrHistogram: every power of two is split into
/// `2^precisionBits` equal buckets, so a bucket is never wider than
/// `1/2^precisionBits` of the values it holds, at any magnitude.
///
/// - Recording is O(1): a leading-zero count, a shift and an add.
/// - Values below `2^(precisionBits+1)` are counted exactly.
/// - A percentile is reported as its bucket's midpoint, so it is within
///   `maxRelativeError` (= `1/2^(precisionBits+1)`) of the exact value.
/// - Histograms of the same precision merge by adding counts, so each thread
///   records into its own and nothing is shared on the hot path.
///
/// The whole `UInt64` range fits: 7,424 counters (58 KiB) at the default
/// precision, 2 significant digits (error under 0.4 %).
public struct Histogram: Sendable, Equatable {
    public let precisionBits: Int
    public private(set) var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var min: UInt64 = .max
    public private(set) var max: UInt64 = 0
    /// For the mean; a Double is exact to 2^53 ns (104 days) in total.
    public private(set) var sum: Double = 0

    /// - Parameter significantDigits: decimal digits kept (1…4); 2 gives a
    ///   relative error under 0.4 %, as HdrHistogram's 2 digits do (under 1 %).
    public init(significantDigits: Int = 2) {
        precondition((1...4).contains(significantDigits), "1 to 4 significant digits")
        // HdrHistogram: the smallest power of two covering 2 × 10^digits values
        // at unit resolution; half of it is the number of buckets per octave.
        var bits = 0
        while (1 << (bits + 1)) < 2 * Self.powerOfTen(significantDigits) { bits += 1 }
        self.init(precisionBits: bits)
    }

    public init(precisionBits: Int) {
        precondition((1...20).contains(precisionBits))
        self.precisionBits = precisionBits
        counts = Array(repeating: 0, count: (65 - precisionBits) << precisionBits)
    }

    /// The largest relative distance between a reported percentile and the
    /// value it stands for.
    public var maxRelativeError: Double { 1 / Double(1 << (precisionBits + 1)) }

    public var isEmpty: Bool { count == 0 }

    /// Adds one value.
    @inline(__always)
    public mutating func record(_ value: UInt64) {
        counts[Self.bucketIndex(value, precisionBits: precisionBits)] &+= 1
        count &+= 1
        if value < min { min = value }
        if value > max { max = value }
        sum += Double(value)
    }

    /// Adds every value of `other`.
    /// - Important: both must have the same precision.
    public mutating func merge(_ other: Histogram) {
        precondition(other.precisionBits == precisionBits, "histograms of different precision do not merge")
        guard other.count > 0 else { return }
        for i in other.counts.indices where other.counts[i] != 0 { counts[i] &+= other.counts[i] }
        count &+= other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        sum += other.sum
    }

    public mutating func reset() {
        self = Histogram(precisionBits: precisionBits)
    }

    /// The value at `percentile` (0…100) by the nearest-rank rule: the
    /// smallest recorded value that at least `percentile` % of the values
    /// are less than or equal to. 0 when empty.
    public func value(atPercentile percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = Self.nearestRank(percentile, of: count)
        var seen: UInt64 = 0
        for i in counts.indices {
            seen &+= counts[i]
            if seen >= rank {
                let bucket = Self.bucketRange(i, precisionBits: precisionBits)
                let middle = bucket.lowerBound + (bucket.upperBound - bucket.lowerBound) / 2
                return Swift.min(Swift.max(middle, min), max)
            }
        }
        return max
    }

    /// ⌈p/100 × n⌉, at least 1, in integers: in floating point 99.9/100 × 1000
    /// is 999.0000000000001 and rounded up to 1000, so p99.9 of a thousand
    /// calls reported the maximum. Percentiles are taken to 1/1000 of a
    /// percent.
    static func nearestRank(_ percentile: Double, of count: UInt64) -> UInt64 {
        let milli = UInt64((Swift.min(Swift.max(percentile, 0), 100) * 1000).rounded())  // percent × 1000
        let (product, overflow) = milli.multipliedReportingOverflow(by: count)
        let rank = overflow
            ? UInt64((Double(milli) * Double(count) / 100_000).rounded(.up))
            : (product + 99_999) / 100_000
        return Swift.max(1, Swift.min(rank, count))
    }

    public var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// How many values were at least `value` (to the histogram's precision:
    /// values in `value`'s own bucket count as at least it).
    public func count(atLeast value: UInt64) -> UInt64 {
        let first = Self.bucketIndex(value, precisionBits: precisionBits)
        return counts[first...].reduce(0, &+)
    }

    // MARK: Buckets

    /// The counter of `value`: values below `2 << bits` have one each; above,
    /// the octave `[2^e, 2^(e+1))` is cut into `2^bits` buckets of `2^(e-bits)`.
    @inline(__always)
    public static func bucketIndex(_ value: UInt64, precisionBits bits: Int) -> Int {
        let exponent = 63 - value.leadingZeroBitCount  // -1 for 0: caught by the first test
        if exponent <= bits { return Int(value) }
        let shift = exponent - bits
        // (value >> shift) is in [2^bits, 2^(bits+1)): the octave's bucket plus 2^bits.
        return (shift << bits) + Int(truncatingIfNeeded: value >> UInt64(shift))
    }

    /// The values counted by bucket `index`.
    public static func bucketRange(_ index: Int, precisionBits bits: Int) -> ClosedRange<UInt64> {
        if index < 2 << bits { return UInt64(index)...UInt64(index) }
        let shift = (index >> bits) - 1
        let mantissa = UInt64(index - (shift << bits))
        let lower = mantissa << UInt64(shift)
        return lower...(lower + ((1 << UInt64(shift)) - 1))
    }

    private static func powerOfTen(_ n: Int) -> Int {
        (0..<n).reduce(1) { value, _ in value * 10 }
    }
}
