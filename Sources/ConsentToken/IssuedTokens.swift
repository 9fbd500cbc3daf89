import ConsentOpenSSL
import Synchronization

/// The tokens this process signed and that are still within their
/// lifetime: for each, its `jti`, a SHA-256 that stands for the exact token
/// string, and the key that signed it. A verifier given this table skips the
/// ECDSA check of a token whose digest matches its `jti`'s entry (compared
/// in constant time): that string is byte for byte one the hub signed, so
/// its signature is valid, and the check would only repeat the hub's own work.
///
/// The digest is SHA-256(SHA-256(header.payload) ‖ r‖s): the inner digest is
/// the one ECDSA signs and verifies anyway, so neither signing nor a full
/// verification hashes the token a second time for the table (a kilobyte,
/// 7 % of an exchange's instructions), and only 96 bytes are hashed again. It
/// identifies the string exactly: the token is `header.payload` "." and the
/// signature's base64url text, which `Base64URL.decode` accepts only in its
/// one canonical form.
///
/// Security never depends on the table. Everything else a verifier checks
/// (form, `alg`, `kid` among the keys in force and bound to the same key,
/// issuer, times) runs on both paths alike, and a token that is not found
/// (issued before a restart, by another node, dropped at the bound, or
/// altered in any byte) takes the full path with its signature check.
///
/// Bounded: at most `capacity` entries. Entries leave when their token has
/// expired (looked at on each insert), and at the bound the oldest entries
/// are dropped first: their tokens, if presented later, verify through the
/// full path (slower, same answer). `bytesPerEntry` estimates the cost.
///
/// Sixteen shards, each behind its own lock, keyed by the `jti`'s random
/// bits: event loops issuing and verifying on different cores rarely meet.
public final class IssuedTokens: Sendable {
    /// A `jti` of this hub: 16 random bytes (22 base64url characters).
    struct TokenID: Hashable {
        var high: UInt64
        var low: UInt64
    }

    struct Entry {
        var digest: (UInt64, UInt64, UInt64, UInt64)
        var expiresAt: Int64
        /// `IssuedTokens.keyIndex(for:)` of the key that signed it.
        var key: UInt32
    }

    struct Shard {
        var entries: [TokenID: Entry] = [:]
        /// Insertion order, for expiry and eviction: a ring of `capacity` ids.
        var order: [TokenID] = []
        var head = 0
        var count = 0
    }

    final class ShardLock: Sendable {
        let state = Mutex(Shard())
    }

    /// The most entries the table holds.
    public let capacity: Int
    private let shardCapacity: Int
    private let shards: [ShardLock]
    /// Every key that signed or may verify, by index (a handful over a
    /// process's life: one per key rotation).
    private let keys = Mutex<[P256.PublicKey]>([])
    private let hitCount = Atomic<UInt64>(0)
    private let evictionCount = Atomic<UInt64>(0)

    private static let shardCount = 16

    /// About what one entry costs at the bound: the dictionary's key and
    /// value at its worst load (Swift doubles at 3/4 full) and the ring slot.
    public static let bytesPerEntry = (MemoryLayout<TokenID>.stride + MemoryLayout<Entry>.stride) * 2 + MemoryLayout<TokenID>.stride

    /// - Parameter capacity: the most tokens remembered (at least 16).
    public init(capacity: Int) {
        precondition(capacity > 0, "an IssuedTokens table needs room for at least one token")
        let perShard = max(1, (capacity + Self.shardCount - 1) / Self.shardCount)
        shardCapacity = perShard
        self.capacity = perShard * Self.shardCount
        shards = (0..<Self.shardCount).map { _ in ShardLock() }
    }

    /// A small number that stands for `key` in the entries, the same for
    /// equal keys for the life of the table.
    public func keyIndex(for key: P256.PublicKey) -> UInt32 {
        keys.withLock { keys in
            if let index = keys.firstIndex(of: key) { return UInt32(index) }
            keys.append(key)
            return UInt32(keys.count - 1)
        }
    }

    /// Remembers a token just signed.
    /// - Parameters:
    ///   - signingInputDigest: SHA-256 of its `header.payload` (the digest signed).
    ///   - signature: its raw `r‖s`.
    ///   - tokenID: its `jti`; one not of this hub's form is not remembered.
    ///   - expiresAt: its `exp`; `now` its `iat` (entries expired by then leave).
    ///   - key: `keyIndex(for:)` of the signing key.
    public func record(
        signingInputDigest: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer,
        tokenID: String, expiresAt: Int64, now: Int64, key: UInt32
    ) {
        guard let id = Self.parse(tokenID) else { return }
        let entry = Entry(digest: Self.digest(signingInputDigest, signature), expiresAt: expiresAt, key: key)
        let evicted = shards[Self.shard(of: id)].state.withLock { shard -> Bool in
            if shard.order.isEmpty { shard.order = Array(repeating: TokenID(high: 0, low: 0), count: shardCapacity) }
            var evicted = false
            // Oldest first: expired ones, then (at the bound) live ones.
            while shard.count > 0 {
                let oldest = shard.order[shard.head]
                let expired = (shard.entries[oldest]?.expiresAt ?? Int64.min) <= now
                guard expired || shard.count == shardCapacity else { break }
                shard.entries.removeValue(forKey: oldest)
                shard.head = (shard.head + 1) % shardCapacity
                shard.count -= 1
                if !expired { evicted = true }
            }
            if shard.entries.updateValue(entry, forKey: id) == nil {
                shard.order[(shard.head + shard.count) % shardCapacity] = id
                shard.count += 1
            }
            return evicted
        }
        if evicted { evictionCount.add(1, ordering: .relaxed) }
    }

    /// Whether the token of `signingInputDigest` (SHA-256 of its
    /// `header.payload`) and `signature` (its decoded `r‖s`) is exactly the
    /// token recorded under `tokenID`, signed by the key with index `key`.
    func contains(
        signingInputDigest: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer, tokenID: String, signedBy key: UInt32
    ) -> Bool {
        guard let id = Self.parse(tokenID) else { return false }
        guard let entry = shards[Self.shard(of: id)].state.withLock({ $0.entries[id] }) else { return false }
        let presented = Self.digest(signingInputDigest, signature)
        // Constant time: every word is compared whatever the first differences.
        let difference = (presented.0 ^ entry.digest.0) | (presented.1 ^ entry.digest.1)
            | (presented.2 ^ entry.digest.2) | (presented.3 ^ entry.digest.3)
        guard difference == 0, entry.key == key else { return false }
        hitCount.add(1, ordering: .relaxed)
        return true
    }

    /// Tokens remembered now.
    public var count: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.count } }
    }

    /// Verifications that skipped the signature check since start.
    public var hits: UInt64 { hitCount.load(ordering: .relaxed) }

    /// Live tokens dropped at the bound since start.
    public var evictions: UInt64 { evictionCount.load(ordering: .relaxed) }

    private static func shard(of id: TokenID) -> Int {
        Int(truncatingIfNeeded: id.low) & (shardCount - 1)
    }

    /// SHA-256(signingInputDigest ‖ signature), hashed on the stack.
    private static func digest(_ signingInputDigest: UnsafeRawBufferPointer, _ signature: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        precondition(signingInputDigest.count == SHA256.digestCount, "a SHA-256 digest has 32 bytes")
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeTemporaryAllocation(byteCount: SHA256.digestCount + signature.count, alignment: 8) { input in
            input.copyMemory(from: signingInputDigest)
            UnsafeMutableRawBufferPointer(rebasing: input[SHA256.digestCount...]).copyMemory(from: signature)
            withUnsafeMutableBytes(of: &words) { SHA256.hash(UnsafeRawBufferPointer(input), into: $0) }
        }
        return words
    }

    /// The 16 bytes of a 22-character base64url `jti`; nil for any other form.
    static func parse(_ tokenID: String) -> TokenID? {
        var text = tokenID
        return text.withUTF8 { utf8 -> TokenID? in
            guard utf8.count == 22 else { return nil }
            var bytes: (UInt64, UInt64) = (0, 0)
            let decoded = withUnsafeMutableBytes(of: &bytes) { output in
                Base64URL.decode(UnsafeRawBufferPointer(utf8), into: output)
            }
            guard decoded == 16 else { return nil }
            return TokenID(high: bytes.0, low: bytes.1)
        }
    }
}
