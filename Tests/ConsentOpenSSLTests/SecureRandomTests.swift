import Testing
@testable import ConsentOpenSSL

@Suite("Secure random")
struct SecureRandomTests {
    @Test("16-byte draws never repeat")
    func noRepeats() {
        var seen = Set<[UInt8]>()
        for _ in 0..<10_000 {
            let bytes = SecureRandom.bytes(count: 16)
            #expect(bytes.count == 16)
            seen.insert(bytes)
        }
        #expect(seen.count == 10_000)
    }

    @Test("fill covers the whole buffer")
    func fillCoversBuffer() {
        // With 4 KiB of random bytes every byte value is expected ~16 times;
        // all 256 turning up is overwhelmingly likely, a stuck tail is not.
        var buffer = [UInt8](repeating: 0, count: 4096)
        buffer.withUnsafeMutableBytes { SecureRandom.fill($0) }
        #expect(Set(buffer).count > 200)
        #expect(buffer.suffix(64).contains { $0 != 0 })
    }

    @Test func zeroBytes() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
    }
}
