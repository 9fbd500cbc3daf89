extension JSONValue {
    /// The value as indented JSON (two spaces), members in document order,
    /// strings re-escaped the way the token writer escapes them.
    func prettyPrinted() -> String {
        var writer = JSONWriter()
        write(into: &writer, indent: 0)
        return writer.string()
    }

    private func write(into writer: inout JSONWriter, indent: Int) {
        switch self {
        case .null: writer.raw("null")
        case .bool(let value): writer.boolean(value)
        case .number(let text): writer.append(contentsOf: Array(text.utf8))
        case .string(let text): writer.string(text)
        case .array(let elements):
            guard !elements.isEmpty else { writer.raw("[]"); return }
            writer.raw("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { writer.raw(",") }
                newline(&writer, indent + 1)
                element.write(into: &writer, indent: indent + 1)
            }
            newline(&writer, indent)
            writer.raw("]")
        case .object(let members):
            guard !members.isEmpty else { writer.raw("{}"); return }
            writer.raw("{")
            for (position, member) in members.enumerated() {
                if position > 0 { writer.raw(",") }
                newline(&writer, indent + 1)
                writer.string(member.key)
                writer.raw(": ")
                member.value.write(into: &writer, indent: indent + 1)
            }
            newline(&writer, indent)
            writer.raw("}")
        }
    }

    private func newline(_ writer: inout JSONWriter, _ indent: Int) {
        writer.raw("\n")
        for _ in 0..<indent { writer.raw("  ") }
    }
}
