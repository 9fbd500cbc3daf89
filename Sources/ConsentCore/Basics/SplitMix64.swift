/// A small, fast, seedable random number generator (SplitMix64).
///
/// ConsentCore draws request ids from an injected `RandomNumberGenerator`;
/// production passes `SystemRandomNumberGenerator`, tests pass a seeded
/// `SplitMix64` so that every id, and so every event, is reproducible.
/// - Important: not cryptographically secure. Request ids are not secrets
///   (authorization codes are, and they are drawn by the server, not here).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
