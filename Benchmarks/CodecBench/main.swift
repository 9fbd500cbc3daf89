import ConsentProto
import ConsentRPC
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
let payload = [UInt8](repeating: 0x41, count: 60)
let request = Consent_V1_Frame(callId: 12345, kind: .request(.init(method: "/consent.v1.TokenService/ExchangeCode", deadlineMs: 5000, payload: payload)))
let body = request.serializedBytes()
let n = 2_000_000
var sink = 0
var t = now()
for _ in 0..<n {
    let f = try! Consent_V1_Frame(serializedBytes: body)
    if case .request(let r)? = f.kind { sink &+= r.payload.count &+ r.method.utf8.count }
}
let decode = (now() - t) / Double(n) * 1e9
let response = Consent_V1_Frame(callId: 12345, kind: .response(.init(statusCode: 0, payload: [UInt8](repeating: 1, count: 900))))
var out: [UInt8] = []
out.reserveCapacity(1 << 20)
t = now()
for i in 0..<n {
    FrameEncoder.append(response, to: &out)
    if i % 500 == 0 { out.removeAll(keepingCapacity: true) }
}
let encode = (now() - t) / Double(n) * 1e9
print("protobuf-c via ConsentProto: decode request frame \(Int(decode)) ns, encode response frame \(Int(encode)) ns  (\(sink))")
