// swift-tools-version:5.3
// ConsentHub's libFuzzer targets (docs/FUZZING.md), a package of its own in
// the manner of swift-protobuf's FuzzTesting/: built only with
// `-sanitize=fuzzer,address -parse-as-library` (Tools/fuzz.sh), into its own
// scratch path, so the normal build stays plain. Each executable is one
// `LLVMFuzzerTestOneInput` calling a check of ConsentHub's ConsentFuzzing.
//
// Why tools version 5.3 and `.target`: from 5.5 on, SwiftPM renames an
// executable's entry point to `<Target>_main` and links `main` to it, which
// `-parse-as-library` leaves undefined; here a target with a main.swift is an
// executable whose `main` is libFuzzer's, as swift-protobuf's FuzzTesting does.
import PackageDescription

let targets = [
    "FuzzFrameDecoder", "FuzzFrameCodec", "FuzzProtoMessages", "FuzzAltinnQuery", "FuzzToken",
    "FuzzEventCodec", "FuzzSnapshot", "FuzzPrincipals", "FuzzConfigFile",
]

let package = Package(
    name: "FuzzTesting",
    dependencies: [.package(name: "ConsentHub", path: "..")],
    targets: targets.map { name in
        .target(name: name, dependencies: [.product(name: "ConsentFuzzing", package: "ConsentHub")])
    }
)
