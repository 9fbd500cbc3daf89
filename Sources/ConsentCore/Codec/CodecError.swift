/// Why bytes could not be decoded into an event or a snapshot.
public struct CodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong, naming the field, e.g. "truncated input: 3 bytes left, 16 needed for request id".
    public var message: String
    /// The byte offset where decoding stopped.
    public var offset: Int

    /// Creates an error.
    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at byte \(offset))" }
}
