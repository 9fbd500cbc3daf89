import ConsentFuzzing

// libFuzzer's entry point; the check is ConsentFuzzing's (the regression tests replay the same).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer?, _ count: Int) -> Int32 {
    FuzzTarget.protoMessages.run(data, count)
}
