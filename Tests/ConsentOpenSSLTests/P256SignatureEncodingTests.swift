import Testing
@testable import ConsentOpenSSL

@Suite("ES256 signature encoding: DER ⇄ r‖s")
struct P256SignatureEncodingTests {
    static let order = P256.order

    static func der(r: [UInt8], s: [UInt8]) -> [UInt8] {
        let body = [0x02, UInt8(r.count)] + r + [0x02, UInt8(s.count)] + s
        return [0x30, UInt8(body.count)] + body
    }

    static func raw(fromDER der: [UInt8]) throws -> [UInt8] {
        try der.withUnsafeBytes { try P256.rawSignature(fromDER: $0) }
    }

    static func der(fromRaw raw: [UInt8]) -> [UInt8]? {
        raw.withUnsafeBytes { P256.derSignature(fromRaw: $0) }
    }

    @Test("short r and s are left-padded to 32 bytes")
    func shortNumbersArePadded() throws {
        let raw = try Self.raw(fromDER: Self.der(r: [0x01], s: [0x00, 0x80, 0x01]))
        #expect(raw.count == 64)
        #expect(raw[0..<31].allSatisfy { $0 == 0 } && raw[31] == 0x01)
        #expect(raw[32..<62].allSatisfy { $0 == 0 } && raw[62] == 0x80 && raw[63] == 0x01)
    }

    @Test("a 33-byte DER integer (sign byte) becomes 32 bytes")
    func signByteIsDropped() throws {
        var r = [UInt8](repeating: 0xAA, count: 32)
        r[0] = 0x80
        let raw = try Self.raw(fromDER: Self.der(r: [0x00] + r, s: [0x05]))
        #expect(Array(raw[0..<32]) == r)
    }

    @Test("a number longer than 32 bytes is refused")
    func tooLong() {
        #expect(throws: OpenSSLError.self) {
            try Self.raw(fromDER: Self.der(r: [0x01] + [UInt8](repeating: 0, count: 32), s: [0x01]))
        }
    }

    @Test("trailing bytes and garbage are refused")
    func notOneSignature() {
        #expect(throws: OpenSSLError.self) { try Self.raw(fromDER: Self.der(r: [1], s: [1]) + [0]) }
        #expect(throws: OpenSSLError.self) { try Self.raw(fromDER: [0x30, 0x00]) }
        #expect(throws: OpenSSLError.self) { try Self.raw(fromDER: []) }
    }

    @Test("raw with leading zeros becomes minimal DER, and back")
    func rawToDERMinimal() throws {
        var raw = [UInt8](repeating: 0, count: 64)
        raw[31] = 0x07
        raw[32] = 0x80 // s has its high bit set: DER needs a 0x00 sign byte
        raw[63] = 0x01
        let der = try #require(Self.der(fromRaw: raw))
        #expect(Array(der[0..<5]) == [0x30, 0x26, 0x02, 0x01, 0x07])
        #expect(Array(der[5..<8]) == [0x02, 0x21, 0x00])
        #expect(try Self.raw(fromDER: der) == raw)
    }

    @Test("raw of the wrong length is refused", arguments: [0, 32, 63, 65, 66])
    func wrongLength(count: Int) {
        #expect(Self.der(fromRaw: [UInt8](repeating: 1, count: count)) == nil)
    }

    @Test("r or s = 0 or ≥ n is refused; n − 1 is accepted")
    func range() {
        let one = [UInt8](repeating: 0, count: 31) + [1]
        let zero = [UInt8](repeating: 0, count: 32)
        var orderMinusOne = Self.order
        orderMinusOne[31] -= 1
        let all = [UInt8](repeating: 0xFF, count: 32)
        #expect(Self.der(fromRaw: zero + one) == nil)
        #expect(Self.der(fromRaw: one + zero) == nil)
        #expect(Self.der(fromRaw: Self.order + one) == nil)
        #expect(Self.der(fromRaw: one + Self.order) == nil)
        #expect(Self.der(fromRaw: all + one) == nil)
        #expect(Self.der(fromRaw: orderMinusOne + one) != nil)
        #expect(Self.der(fromRaw: one + orderMinusOne) != nil)
    }

    @Test("signatures come out with low S; the high twin verifies too, and normalises back")
    func lowS() throws {
        let key = try P256.PrivateKey()
        let message = Array("header.payload".utf8)
        for _ in 0..<64 {
            let signature = try key.sign(message)
            #expect(P256.isLowS(signature))
            let high = P256.twin(signature)
            #expect(!P256.isLowS(high))
            #expect(key.publicKey.isValidSignature(high, for: message), "ECDSA itself accepts both forms")
            var normalised = high
            P256.normaliseToLowS(&normalised)
            #expect(normalised == signature)
        }
    }
}
