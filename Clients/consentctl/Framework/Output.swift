import ConsentProto
import Foundation

/// Prints results for people (default) or for scripts (`--json`).
public struct Output: Sendable {
    public var json: Bool
    /// Where a result's text goes (a line, without its newline): standard
    /// output, or a test's buffer.
    public var write: @Sendable (String) -> Void

    public init(json: Bool, write: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.json = json
        self.write = write
    }

    /// Prints `human` text, or `value` as pretty JSON with sorted keys.
    public func emit(human: @autoclosure () -> String, json value: @autoclosure () -> Any) {
        if json {
            write(Output.jsonText(value()))
        } else {
            let text = human()
            if !text.isEmpty { write(text) }
        }
    }

    /// Prints a response message: its JSON form, or `human` text.
    public func emit<M: ProtoMessage>(_ message: M, human: (M) -> String) {
        emit(human: human(message), json: ProtoJSON.value(message))
    }

    /// Pretty JSON with sorted keys; "null" for a value JSON cannot carry.
    public static func jsonText(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(["v": value]),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8)
        else { return "null" }
        return text
    }
}

/// The proto3 JSON mapping of a generated message, found by reflection: field
/// names in lowerCamelCase, enums by name, bytes in base64, 64-bit integers as
/// strings, oneof members inline, unset sub-messages left out. Slow, and only
/// for printing.
public enum ProtoJSON {
    /// The JSON value (for `JSONSerialization`) of a message, enum, list or scalar.
    public static func value(_ any: Any) -> Any {
        switch any {
        case let v as String: return v
        case let v as Bool: return v
        case let v as Int32: return Int(v)
        case let v as UInt32: return Int(v)
        case let v as Int64: return String(v)
        case let v as UInt64: return String(v)
        case let v as Double: return number(v)
        case let v as Float: return number(Double(v))
        case let v as [UInt8]: return Data(v).base64EncodedString()
        case let v as any ProtoEnum: return v.protoName
        default: break
        }
        let mirror = Mirror(reflecting: any)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { value($0.value) } ?? NSNull()
        case .collection:
            return mirror.children.map { value($0.value) }
        case .struct:
            var object: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label else { continue }
                let childMirror = Mirror(reflecting: child.value)
                if childMirror.displayStyle == .optional {
                    guard let inner = childMirror.children.first?.value else { continue }
                    // A oneof: put its member inline, as proto3 JSON does.
                    let innerMirror = Mirror(reflecting: inner)
                    if innerMirror.displayStyle == .enum, !(inner is any ProtoEnum), let member = innerMirror.children.first, let name = member.label {
                        object[name] = value(member.value)
                        continue
                    }
                    object[label] = value(inner)
                } else {
                    object[label] = value(child.value)
                }
            }
            return object
        case .enum:
            if let member = mirror.children.first, let name = member.label { return [name: value(member.value)] }
            return String(describing: any)
        default:
            return String(describing: any)
        }
    }

    /// proto3 JSON writes the non-finite doubles as strings; JSON has no literal for them.
    private static func number(_ v: Double) -> Any {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        return v
    }
}
