import ConsentProto
import ConsentRPC

/// The fuzzing seam of the hand-written `Frame` codec: how `ConsentFuzzing`
/// (and through it the libFuzzer targets in `FuzzTesting/`) holds `Wire`
/// to libprotobuf-c without making the codec public. `package`, so nothing
/// outside ConsentHub's own modules sees it; nothing but ConsentFuzzing uses it.
package enum WireFuzzingSeam {
    /// What `Wire.withFrame` makes of a frame body (no length prefix), as the
    /// protobuf message it stands for, or the codec's reason for refusing it.
    /// Strings are read as the transport reads them (`Wire.string`), metadata
    /// and trailers as `Wire.metadata` finds them.
    package static func decode(_ body: UnsafeRawBufferPointer) -> Result<Consent_V1_Frame, WireRefusal> {
        do {
            return .success(try Wire.withFrame(body) { callID, view in Consent_V1_Frame(callId: callID, kind: kind(of: view)) })
        } catch {
            return .failure(WireRefusal(reason: error.reason))
        }
    }

    /// The bytes the hand encoder writes for `frame`, length prefix included;
    /// nil for a frame it has no writer for (no kind, or a Pong/Ping with a call id,
    /// which the transport never writes).
    package static func encode(_ frame: Consent_V1_Frame) -> [UInt8]? {
        var buffer = ByteBuffer(capacity: 64)
        switch frame.kind {
        case .request(let r):
            Wire.writeRequest(callID: frame.callId, method: r.method, deadlineMs: r.deadlineMs,
                              metadata: metadata(r.metadata), payload: r.payload, into: &buffer)
        case .response(let r):
            let result = CallResult(code: StatusCode(rawValue: r.statusCode), message: r.statusMessage,
                                    payload: r.payload, trailers: metadata(r.trailers))
            Wire.writeResponse(callID: frame.callId, result: result, into: &buffer)
        case .streamMessage(let m):
            Wire.writeStreamMessage(callID: frame.callId, payload: m.payload, into: &buffer)
        case .cancel:
            Wire.writeCancel(callID: frame.callId, into: &buffer)
        case .ping(let p) where frame.callId == 0:
            Wire.writePing(p.data, pong: false, into: &buffer)
        case .pong(let p) where frame.callId == 0:
            Wire.writePing(p.data, pong: true, into: &buffer)
        case .goAway(let g) where frame.callId == 0:
            Wire.writeGoAway(code: g.code, reason: g.reason, into: &buffer)
        default:
            return nil
        }
        return buffer.copyReadable()
    }

    private static func kind(of view: Wire.FrameView) -> Consent_V1_Frame.OneOf_Kind? {
        switch view {
        case .request(let r):
            let metadata = r.metadataCount == 0 ? Metadata() : Wire.metadata(in: r.body, field: 3)
            return .request(Consent_V1_Request(
                method: Wire.string(r.method), deadlineMs: r.deadlineMs, metadata: entries(metadata), payload: Wire.bytes(r.payload)))
        case .response(let r):
            let trailers = r.trailerCount == 0 ? Metadata() : Wire.metadata(in: r.body, field: 4)
            return .response(Consent_V1_Response(
                statusCode: r.statusCode, statusMessage: Wire.string(r.message), payload: Wire.bytes(r.payload), trailers: entries(trailers)))
        case .streamMessage(let payload):
            return .streamMessage(Consent_V1_StreamMessage(payload: Wire.bytes(payload)))
        case .cancel:
            return .cancel(Consent_V1_Cancel())
        case .ping(let data):
            return .ping(Consent_V1_Ping(data: data))
        case .pong(let data):
            return .pong(Consent_V1_Pong(data: data))
        case .goAway(let code, let reason):
            return .goAway(Consent_V1_GoAway(code: Consent_V1_GoAwayCode(rawValue: code), reason: Wire.string(reason)))
        case .empty:
            return nil
        }
    }

    private static func entries(_ metadata: Metadata) -> [Consent_V1_MetadataEntry] {
        metadata.map { Consent_V1_MetadataEntry(key: $0.key, value: $0.value) }
    }

    private static func metadata(_ entries: [Consent_V1_MetadataEntry]) -> Metadata {
        var metadata = Metadata()
        for entry in entries { metadata.add(entry.key, entry.value) }
        return metadata
    }
}

/// The hand codec refused a frame body; `reason` is what the server's GoAway says.
package struct WireRefusal: Error, Hashable, Sendable {
    package var reason: String
}
