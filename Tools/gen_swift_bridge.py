#!/usr/bin/env python3
"""Generate Swift value types and their protobuf-c bridging from .proto files.

Input: a FileDescriptorSet (written by `protoc-c -o FILE --include_source_info`).
Output: one Swift file per .proto file in Sources/ConsentProto/Generated, each
holding
  * a `public struct` per message (Swift values only, memberwise init),
  * a Swift enum per proto enum (unknown numbers kept as `.unrecognized(n)`),
  * the conversion to and from the C structs that protoc-c generates, used by
    ConsentProto's `ProtoMessage` machinery (arena-backed pack, unpack),
  * a `ProtoMethod` constant per RPC of each service.

The C names follow protoc-c 1.4 (c_helpers.cc): `consent.v1.HealthCheckResponse`
becomes `Consent__V1__HealthCheckResponse` and `consent__v1__health_check_response__`.
Swift names follow swift-protobuf: `Consent_V1_HealthCheckResponse`.

Supported: proto3 scalars, string, bytes, enums, singular and repeated message
fields, repeated scalars and strings, oneofs, nested messages and enums.
Not supported (the generator stops with an error): maps, proto2, proto3
`optional`, groups, extensions. The contract avoids them on purpose.
"""

import sys
import os
from google.protobuf import descriptor_pb2 as d

FD = d.FieldDescriptorProto

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func",
    "import", "init", "inout", "internal", "let", "open", "operator", "private",
    "protocol", "public", "static", "struct", "subscript", "typealias", "var",
    "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
    "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while",
    "as", "Any", "catch", "false", "is", "nil", "rethrows", "super", "self",
    "Self", "throw", "throws", "true", "try", "Type", "Protocol",
}

# proto type -> (Swift type, default literal, C->Swift conversion, Swift->C conversion)
SCALARS = {
    FD.TYPE_DOUBLE: ("Double", "0", "{v}", "{v}"),
    FD.TYPE_FLOAT: ("Float", "0", "{v}", "{v}"),
    FD.TYPE_INT64: ("Int64", "0", "{v}", "{v}"),
    FD.TYPE_UINT64: ("UInt64", "0", "{v}", "{v}"),
    FD.TYPE_INT32: ("Int32", "0", "{v}", "{v}"),
    FD.TYPE_FIXED64: ("UInt64", "0", "{v}", "{v}"),
    FD.TYPE_FIXED32: ("UInt32", "0", "{v}", "{v}"),
    FD.TYPE_BOOL: ("Bool", "false", "({v} != 0)", "({v} ? 1 : 0)"),
    FD.TYPE_UINT32: ("UInt32", "0", "{v}", "{v}"),
    FD.TYPE_SFIXED32: ("Int32", "0", "{v}", "{v}"),
    FD.TYPE_SFIXED64: ("Int64", "0", "{v}", "{v}"),
    FD.TYPE_SINT32: ("Int32", "0", "{v}", "{v}"),
    FD.TYPE_SINT64: ("Int64", "0", "{v}", "{v}"),
}


def camel_to_upper(name):
    """protoc-c's CamelToUpper: an underscore before an upper-case letter that follows a lower-case one."""
    out, was_upper = [], True
    for ch in name:
        is_upper = ch.isupper()
        if is_upper:
            if not was_upper:
                out.append("_")
            out.append(ch)
        else:
            out.append(ch.upper())
        was_upper = is_upper
    return "".join(out)


def camel_to_lower(name):
    return camel_to_upper(name).lower()


def to_camel(name, upper_first):
    parts = [p for p in name.split("_") if p]
    if not parts:
        return name
    out = []
    for i, p in enumerate(parts):
        if i == 0 and not upper_first:
            out.append(p[0].lower() + p[1:])
        else:
            out.append(p[0].upper() + p[1:])
    return "".join(out)


def c_type_name(package, nesting):
    """`consent.v1` + [HealthCheckResponse, ServingStatus] -> Consent__V1__HealthCheckResponse__ServingStatus."""
    pkg = [to_camel(p, True) for p in package.split(".")] if package else []
    return "__".join(pkg + nesting)


def c_lower_name(package, nesting):
    pkg = [p.replace(".", "_") for p in package.split(".")] if package else []
    return "__".join(pkg + [camel_to_lower(n) for n in nesting])


def swift_type_name(package, nesting):
    pkg = "_".join(to_camel(p, True) for p in package.split(".")) if package else ""
    head = (pkg + "_" if pkg else "") + nesting[0]
    return ".".join([head] + nesting[1:])


def swift_ident(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def enum_case_name(enum_name, value_name):
    prefix = camel_to_upper(enum_name) + "_"
    stripped = value_name[len(prefix):] if value_name.startswith(prefix) and len(value_name) > len(prefix) else value_name
    if stripped[0].isdigit():
        stripped = "_" + stripped
    return swift_ident(to_camel(stripped.lower(), False))


class Names:
    """Index of every message and enum by its fully qualified proto name."""

    def __init__(self, files):
        self.messages = {}
        self.enums = {}
        for f in files:
            for m in f.message_type:
                self._add_message(f.package, [m.name], m)
            for e in f.enum_type:
                self._add_enum(f.package, [e.name], e)

    def _add_message(self, package, nesting, m):
        full = "." + ".".join(([package] if package else []) + nesting)
        self.messages[full] = (package, nesting, m)
        for nm in m.nested_type:
            self._add_message(package, nesting + [nm.name], nm)
        for ne in m.enum_type:
            self._add_enum(package, nesting + [ne.name], ne)

    def _add_enum(self, package, nesting, e):
        full = "." + ".".join(([package] if package else []) + nesting)
        self.enums[full] = (package, nesting, e)


class Writer:
    def __init__(self):
        self.lines = []
        self.level = 0

    def __call__(self, text=""):
        if text:
            self.lines.append("    " * self.level + text)
        else:
            self.lines.append("")

    def indent(self):
        self.level += 1

    def dedent(self):
        self.level -= 1

    def text(self):
        return "\n".join(self.lines) + "\n"


def comments_by_path(f):
    out = {}
    for loc in f.source_code_info.location:
        c = loc.leading_comments.strip("\n")
        if c:
            out[tuple(loc.path)] = c
    return out


def doc(w, comment):
    if not comment:
        return
    for line in comment.split("\n"):
        line = line[1:] if line.startswith(" ") else line
        w(("/// " + line).rstrip())


class FieldInfo:
    def __init__(self, names, package, field):
        self.field = field
        self.c = field.name  # protoc-c keeps the proto field name
        self.swift = swift_ident(to_camel(field.name, False))
        self.repeated = field.label == FD.LABEL_REPEATED
        self.kind = field.type
        self.in_oneof = field.HasField("oneof_index")
        if field.type == FD.TYPE_MESSAGE:
            if field.type_name not in names.messages:
                raise SystemExit(f"unknown message {field.type_name}")
            pkg, nesting, m = names.messages[field.type_name]
            if m.options.map_entry:
                raise SystemExit(f"map fields are not supported: {field.name}")
            self.swift_elem = swift_type_name(pkg, nesting)
            self.c_elem = c_type_name(pkg, nesting)
        elif field.type == FD.TYPE_ENUM:
            pkg, nesting, _ = names.enums[field.type_name]
            self.swift_elem = swift_type_name(pkg, nesting)
            self.c_elem = c_type_name(pkg, nesting)
        elif field.type == FD.TYPE_STRING:
            self.swift_elem = "String"
        elif field.type == FD.TYPE_BYTES:
            self.swift_elem = "[UInt8]"
        elif field.type in SCALARS:
            self.swift_elem = SCALARS[field.type][0]
        else:
            raise SystemExit(f"unsupported field type {field.type} for {field.name}")
        if field.proto3_optional:
            raise SystemExit(f"proto3 optional is not supported: {field.name}")

    @property
    def swift_type(self):
        if self.repeated:
            return f"[{self.swift_elem}]"
        if self.kind == FD.TYPE_MESSAGE:
            return f"{self.swift_elem}?"
        return self.swift_elem

    @property
    def default(self):
        if self.repeated:
            return "[]"
        if self.kind == FD.TYPE_MESSAGE:
            return "nil"
        if self.kind == FD.TYPE_ENUM:
            return f"{self.swift_elem}(rawValue: 0)"
        if self.kind == FD.TYPE_STRING:
            return '""'
        if self.kind == FD.TYPE_BYTES:
            return "[]"
        return SCALARS[self.kind][1]

    def from_c(self, v):
        """Swift expression that turns the C value `v` (one element) into Swift."""
        k = self.kind
        if k == FD.TYPE_MESSAGE:
            return f"{self.swift_elem}(cMessage: {v}!)"
        if k == FD.TYPE_ENUM:
            return f"{self.swift_elem}(rawValue: Int32(bitPattern: {v}.rawValue))"
        if k == FD.TYPE_STRING:
            return f"ProtoBridge.string({v})"
        if k == FD.TYPE_BYTES:
            return f"ProtoBridge.bytes({v})"
        return SCALARS[k][2].format(v=v)

    def to_c(self, v):
        """Swift expression that turns the Swift value `v` (one element) into its C form, in `arena`."""
        k = self.kind
        if k == FD.TYPE_MESSAGE:
            return f"{v}.cMessage(in: arena)"
        if k == FD.TYPE_ENUM:
            return f"{self.c_elem}(rawValue: UInt32(bitPattern: {v}.rawValue))"
        if k == FD.TYPE_STRING:
            return f"arena.cString({v})"
        if k == FD.TYPE_BYTES:
            return f"arena.binary({v})"
        return SCALARS[k][3].format(v=v)

    @property
    def c_elem_type(self):
        """The C element type as Swift sees it, for arrays allocated in the arena."""
        k = self.kind
        if k == FD.TYPE_MESSAGE:
            return f"UnsafeMutablePointer<{self.c_elem}>?"
        if k == FD.TYPE_ENUM:
            return self.c_elem
        if k == FD.TYPE_STRING:
            return "UnsafeMutablePointer<CChar>?"
        if k == FD.TYPE_BYTES:
            return "ProtobufCBinaryData"
        return {
            FD.TYPE_BOOL: "protobuf_c_boolean",
        }.get(k, SCALARS[k][0])


def emit_enum(w, name, e, comments, path):
    """`name` is the Swift name; value prefixes are stripped using the proto name `e.name`."""
    doc(w, comments.get(tuple(path)))
    w(f"public enum {name}: ProtoEnum, CaseIterable {{")
    w.indent()
    cases = []
    seen = set()
    for i, v in enumerate(e.value):
        if v.number in seen:
            continue
        seen.add(v.number)
        case = enum_case_name(e.name, v.name)
        cases.append((case, v.number))
        doc(w, comments.get(tuple(path + [2, i])))
        w(f"case {case}  // {v.name} = {v.number}")
    w("/// A number this version of the contract does not know.")
    w("case unrecognized(Int32)")
    w()
    w(f"public static let allCases: [{name}] = [{', '.join('.' + c for c, _ in cases)}]")
    w()
    w("public init(rawValue: Int32) {")
    w.indent()
    w("switch rawValue {")
    for c, n in cases:
        w(f"case {n}: self = .{c}")
    w("default: self = .unrecognized(rawValue)")
    w("}")
    w.dedent()
    w("}")
    w()
    w("public var rawValue: Int32 {")
    w.indent()
    w("switch self {")
    for c, n in cases:
        w(f"case .{c}: return {n}")
    w("case .unrecognized(let n): return n")
    w("}")
    w.dedent()
    w("}")
    w()
    w("/// The name the .proto file gives this value.")
    w("public var protoName: String {")
    w.indent()
    w("switch self {")
    seen = set()
    for v in e.value:
        if v.number in seen:
            continue
        seen.add(v.number)
        w(f'case .{enum_case_name(e.name, v.name)}: return "{v.name}"')
    w('case .unrecognized(let n): return String(n)')
    w("}")
    w.dedent()
    w("}")
    w.dedent()
    w("}")


def emit_message_struct(w, names, package, nesting, m, comments, path):
    name = nesting[-1]
    fields = [FieldInfo(names, package, f) for f in m.field]
    plain = [f for f in fields if not f.in_oneof]
    oneofs = []
    for oi, o in enumerate(m.oneof_decl):
        members = [f for f in fields if f.in_oneof and f.field.oneof_index == oi]
        oneofs.append((o.name, members))

    doc(w, comments.get(tuple(path)))
    w(f"public struct {name}: Sendable, Hashable {{")
    w.indent()
    for i, f in enumerate(m.field):
        fi = fields[i]
        if fi.in_oneof:
            continue
        doc(w, comments.get(tuple(path + [2, i])))
        w(f"public var {fi.swift}: {fi.swift_type} = {fi.default}")
    for oi, (oname, members) in enumerate(oneofs):
        ename = "OneOf_" + to_camel(oname, True)
        w()
        doc(w, comments.get(tuple(path + [8, oi])))
        w(f"public var {swift_ident(to_camel(oname, False))}: {ename}? = nil")
        w()
        w(f"public enum {ename}: Sendable, Hashable {{")
        w.indent()
        for f in members:
            idx = list(m.field).index(f.field)
            doc(w, comments.get(tuple(path + [2, idx])))
            w(f"case {f.swift}({f.swift_elem})")
        w.dedent()
        w("}")
    w()
    w("public init() {}")
    if plain or oneofs:
        params = [f"{f.swift}: {f.swift_type} = {f.default}" for f in plain]
        params += [f"{swift_ident(to_camel(o, False))}: OneOf_{to_camel(o, True)}? = nil" for o, _ in oneofs]
        w()
        w(f"public init({', '.join(params)}) {{")
        w.indent()
        for f in plain:
            w(f"self.{f.swift.strip('`')} = {f.swift}")
        for o, _ in oneofs:
            n = swift_ident(to_camel(o, False))
            w(f"self.{n.strip('`')} = {n}")
        w.dedent()
        w("}")
    # nested types
    for i, nm in enumerate(m.nested_type):
        w()
        emit_message_struct(w, names, package, nesting + [nm.name], nm, comments, path + [3, i])
    for i, ne in enumerate(m.enum_type):
        w()
        emit_enum(w, ne.name, ne, comments, path + [4, i])
    w.dedent()
    w("}")


def emit_message_bridge(w, names, package, nesting, m):
    swift = swift_type_name(package, nesting)
    ctype = c_type_name(package, nesting)
    clower = c_lower_name(package, nesting)
    fields = [FieldInfo(names, package, f) for f in m.field]
    plain = [f for f in fields if not f.in_oneof]
    oneofs = []
    for oi, o in enumerate(m.oneof_decl):
        members = [f for f in fields if f.in_oneof and f.field.oneof_index == oi]
        oneofs.append((o.name, members))

    w(f"extension {swift}: ProtoMessage {{")
    w.indent()
    w("public func serialize(appendingTo buffer: inout [UInt8]) { ProtoBridge.pack(self, appendingTo: &buffer) }")
    w("public var serializedSize: Int { ProtoBridge.packedSize(self) }")
    w()
    w("public init(serializedBytes bytes: UnsafeRawBufferPointer) throws(ProtoDecodingError) {")
    w.indent()
    w("self = try ProtoBridge.unpack(Self.self, from: bytes)")
    w.dedent()
    w("}")
    w.dedent()
    w("}")
    w()
    w(f"extension {swift}: CBridgedMessage {{")
    w.indent()
    w(f"static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> {{ consenthub_descriptor_{clower}() }}")
    w()
    # C -> Swift
    w(f"init(cMessage c: UnsafeMutablePointer<{ctype}>) {{")
    w.indent()
    w("self.init()")
    if fields:
        w("let m = c.pointee")
    for f in plain:
        target = f"self.{f.swift.strip('`')}"
        if f.repeated:
            w(f"if m.n_{f.c} > 0, let items = m.{f.c} {{")
            w.indent()
            w(f"{target}.reserveCapacity(m.n_{f.c})")
            w(f"for i in 0..<m.n_{f.c} {{ {target}.append({f.from_c('items[i]')}) }}")
            w.dedent()
            w("}")
        elif f.kind == FD.TYPE_MESSAGE:
            w(f"if let p = m.{f.c} {{ {target} = {f.swift_elem}(cMessage: p) }}")
        else:
            w(f"{target} = {f.from_c('m.' + f.c)}")
    for oname, members in oneofs:
        target = f"self.{to_camel(oname, False)}"
        case_type = f"{ctype}__{to_camel(oname, True)}Case"
        w(f"switch m.{oname}_case.rawValue {{")
        for f in members:
            w(f"case {f.field.number}:")
            w.indent()
            if f.kind == FD.TYPE_MESSAGE:
                w(f"if let p = m.{f.c} {{ {target} = .{f.swift}({f.swift_elem}(cMessage: p)) }}")
            else:
                w(f"{target} = .{f.swift}({f.from_c('m.' + f.c)})")
            w.dedent()
        w("default: break")
        w("}")
        del case_type
    w.dedent()
    w("}")
    w()
    # Swift -> C
    w("/// Builds the C form of this message in `arena`; valid as long as the arena is.")
    w(f"func cMessage(in arena: ProtoArena) -> UnsafeMutablePointer<{ctype}> {{")
    w.indent()
    w(f"let c = arena.allocate({ctype}.self)")
    w(f"{clower}__init(c)")
    for f in plain:
        src = f"self.{f.swift.strip('`')}"
        if f.repeated:
            w(f"if !{src}.isEmpty {{")
            w.indent()
            w(f"let items = arena.allocateArray(of: {f.c_elem_type}.self, count: {src}.count)")
            w(f"for (i, item) in {src}.enumerated() {{ items[i] = {f.to_c('item')} }}")
            w(f"c.pointee.n_{f.c} = {src}.count")
            w(f"c.pointee.{f.c} = items")
            w.dedent()
            w("}")
        elif f.kind == FD.TYPE_MESSAGE:
            w(f"if let value = {src} {{ c.pointee.{f.c} = {f.to_c('value')} }}")
        elif f.kind == FD.TYPE_STRING:
            w(f"if !{src}.isEmpty {{ c.pointee.{f.c} = {f.to_c(src)} }}")
        elif f.kind == FD.TYPE_BYTES:
            w(f"if !{src}.isEmpty {{ c.pointee.{f.c} = {f.to_c(src)} }}")
        else:
            w(f"c.pointee.{f.c} = {f.to_c(src)}")
    for oname, members in oneofs:
        src = f"self.{to_camel(oname, False)}"
        case_type = f"{ctype}__{to_camel(oname, True)}Case"
        w(f"switch {src} {{")
        for f in members:
            w(f"case .{f.swift}(let value)?:")
            w.indent()
            w(f"c.pointee.{oname}_case = {case_type}(rawValue: {f.field.number})")
            w(f"c.pointee.{f.c} = {f.to_c('value')}")
            w.dedent()
        w("case nil: break")
        w("}")
    w("return c")
    w.dedent()
    w("}")
    w()
    w("func withCMessage<R>(in arena: ProtoArena, _ body: (UnsafePointer<ProtobufCMessage>) -> R) -> R {")
    w.indent()
    w("let c = cMessage(in: arena)")
    w("return UnsafeRawPointer(c).withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { body($0) }")
    w.dedent()
    w("}")
    w()
    w("static func fromCMessage(_ message: UnsafeMutablePointer<ProtobufCMessage>) -> Self {")
    w.indent()
    w(f"UnsafeMutableRawPointer(message).withMemoryRebound(to: {ctype}.self, capacity: 1) {{ Self(cMessage: $0) }}")
    w.dedent()
    w("}")
    w.dedent()
    w("}")
    for nm in m.nested_type:
        w()
        emit_message_bridge(w, names, package, nesting + [nm.name], nm)


def emit_services(w, f, names, comments):
    for si, s in enumerate(f.service):
        swift = swift_type_name(f.package, [s.name])
        doc(w, comments.get((6, si)))
        w(f"public enum {swift} {{")
        w.indent()
        w(f'public static let serviceName = "{f.package}.{s.name}"')
        for mi, meth in enumerate(s.method):
            if meth.client_streaming:
                raise SystemExit(f"client streaming is not supported: {s.name}.{meth.name}")
            inp = swift_type_name(*names.messages[meth.input_type][:2])
            out = swift_type_name(*names.messages[meth.output_type][:2])
            w()
            doc(w, comments.get((6, si, 2, mi)))
            kind = ".serverStreaming" if meth.server_streaming else ".unary"
            w(f"public static let {swift_ident(to_camel(meth.name, False))} = ProtoMethod<{inp}, {out}>(")
            w.indent()
            w(f'fullName: "/{f.package}.{s.name}/{meth.name}", kind: {kind}')
            w.dedent()
            w(")")
        w()
        w("/// Every method of the service, for registration and listing.")
        names_list = ", ".join(f'"/{f.package}.{s.name}/{m.name}"' for m in s.method)
        w(f"public static let allMethodNames: [String] = [{names_list}]")
        w.dedent()
        w("}")


def all_messages(package, nesting, m):
    yield package, nesting, m
    for nm in m.nested_type:
        yield from all_messages(package, nesting + [nm.name], nm)


def write_c_headers(files, c_dir):
    """The umbrella header, and accessors for the descriptors: Swift imports the
    `const` descriptor globals as values, but protobuf-c needs their addresses."""
    inc = os.path.join(c_dir, "include")
    os.makedirs(inc, exist_ok=True)
    w = Writer()
    w("// DO NOT EDIT. Generated by Tools/gen_swift_bridge.py (`make proto`).")
    w("#ifndef CONSENTHUB_CCONSENTPROTO_H")
    w("#define CONSENTHUB_CCONSENTPROTO_H")
    for f in files:
        w(f'#include "../{os.path.splitext(f.name)[0]}.pb-c.h"')
    w()
    for f in files:
        for m in f.message_type:
            for pkg, nesting, _ in all_messages(f.package, [m.name], m):
                lower = c_lower_name(pkg, nesting)
                w(f"static inline const ProtobufCMessageDescriptor *consenthub_descriptor_{lower}(void) {{")
                w(f"    return &{lower}__descriptor;")
                w("}")
    w("#endif")
    with open(os.path.join(inc, "CConsentProto.h"), "w") as fh:
        fh.write(w.text())


def generate(fds_path, out_dir, c_dir):
    fds = d.FileDescriptorSet()
    with open(fds_path, "rb") as fh:
        fds.ParseFromString(fh.read())
    files = list(fds.file)
    for f in files:
        if f.syntax != "proto3":
            raise SystemExit(f"{f.name}: only proto3 is supported")
    names = Names(files)
    write_c_headers(files, c_dir)
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for f in files:
        comments = comments_by_path(f)
        w = Writer()
        w("// DO NOT EDIT. Generated by Tools/gen_swift_bridge.py from " + f.name + " (`make proto`).")
        w()
        w("internal import CConsentProto")
        w("internal import CProtobufC")
        for i, e in enumerate(f.enum_type):
            w()
            # top-level enums get the package prefix
            sw = swift_type_name(f.package, [e.name])
            sub = Writer()
            emit_enum(sub, sw, e, comments, [5, i])
            w.lines.extend(sub.lines)
        for i, m in enumerate(f.message_type):
            w()
            sw = swift_type_name(f.package, [m.name])
            sub = Writer()
            emit_message_struct(sub, names, f.package, [sw], m, comments, [4, i])
            w.lines.extend(sub.lines)
        for m in f.message_type:
            w()
            emit_message_bridge(w, names, f.package, [m.name], m)
        if f.service:
            w()
            emit_services(w, f, names, comments)
        base = os.path.splitext(os.path.basename(f.name))[0]
        path = os.path.join(out_dir, f"{base}.pb.swift")
        with open(path, "w") as fh:
            fh.write(w.text())
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit("usage: gen_swift_bridge.py DESCRIPTOR_SET SWIFT_OUT_DIR C_TARGET_DIR")
    for p in generate(sys.argv[1], sys.argv[2], sys.argv[3]):
        print("wrote", p)
