/// The checks behind ConsentHub's libFuzzer targets (docs/FUZZING.md).
///
/// Each target is one decoder fed arbitrary bytes and one property that must
/// hold for every input: no crash, no leak (the sanitizers watch), and a
/// property of its own (two codecs agree, a round trip is stable, …). The
/// executables in `FuzzTesting/` call `run` from `LLVMFuzzerTestOneInput`;
/// the regression tests replay every committed input through `check`, so a
/// crash found once stays fixed in the normal build.
public struct FuzzTarget: Sendable {
    /// The executable's name, and the directory of its corpus and fail cases.
    public let name: String
    private let body: @Sendable (UnsafeRawBufferPointer) throws(FuzzFailure) -> Void

    init(_ name: String, _ body: @escaping @Sendable (UnsafeRawBufferPointer) throws(FuzzFailure) -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the target on one input.
    /// - Throws: `FuzzFailure` when the input breaks the target's property.
    public func check(_ input: UnsafeRawBufferPointer) throws(FuzzFailure) {
        try body(input)
    }

    public func check(_ input: [UInt8]) throws(FuzzFailure) {
        try input.withUnsafeBytes { bytes in Result { () throws(FuzzFailure) in try check(bytes) } }.get()
    }

    /// For `LLVMFuzzerTestOneInput`: a broken property stops the process, so
    /// libFuzzer keeps the input as a crash.
    public func run(_ data: UnsafeRawPointer?, _ count: Int) -> Int32 {
        do {
            try check(UnsafeRawBufferPointer(start: count == 0 ? nil : data, count: count))
        } catch {
            fatalError("\(name): \(error)")
        }
        return 0
    }
}

/// An input broke a target's property; says which and how.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

extension FuzzTarget {
    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        frameDecoder, frameCodec, protoMessages, altinnQuery, token, eventCodec, snapshot, principals, configFile,
    ]

    /// The target called `name`, if any.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

/// Hex of at most `limit` bytes, for failure messages.
func hex(_ bytes: some Collection<UInt8>, limit: Int = 64) -> String {
    let shown = bytes.prefix(limit).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    return shown.joined(separator: " ") + (bytes.count > limit ? " … (\(bytes.count) bytes)" : "")
}
