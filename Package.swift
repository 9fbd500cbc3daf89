// swift-tools-version:6.1
// ConsentHub: a consent backend for Linux. No package dependencies: the C
// libraries (OpenSSL, protobuf-c, libpq) come from Debian through module maps.
import PackageDescription

/// Release builds of the hot paths need cross-module optimisation; debug builds
/// keep the defaults so tests compile quickly.
let optimise: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "ConsentHub",
    products: [
        .executable(name: "consentd", targets: ["consentd"]),
        .executable(name: "consentctl", targets: ["consentctl"]),
        .executable(name: "consent-load", targets: ["consent-load"]),
        .library(name: "ConsentClient", targets: ["ConsentClient"]),
        .library(name: "ConsentLoad", targets: ["ConsentLoad"]),
        // For FuzzTesting/ (a package of its own, built with libFuzzer): the fuzz targets' checks.
        .library(name: "ConsentFuzzing", targets: ["ConsentFuzzing"]),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        // libpq, for the PostgreSQL event store; its one importer is ConsentPostgres.
        .systemLibrary(
            name: "CPostgreSQL",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "CConsentProto",
            dependencies: ["CProtobufC"],
            cSettings: [.headerSearchPath(".")]
        ),

        // MARK: Wrappers of C (the only modules that touch C pointers)
        .target(name: "ConsentOpenSSL", dependencies: ["COpenSSL"], swiftSettings: optimise),
        .target(name: "ConsentProto", dependencies: ["CConsentProto", "CProtobufC"], swiftSettings: optimise),

        // MARK: Core
        .target(name: "ConsentRPC", dependencies: ["ConsentProto"], swiftSettings: optimise),
        .target(name: "ConsentTransport", dependencies: ["ConsentRPC", "ConsentOpenSSL", "ConsentProto"], swiftSettings: optimise),
        .target(name: "ConsentCore", swiftSettings: optimise),
        .target(name: "ConsentStore", swiftSettings: optimise),
        // The PostgreSQL event store (the only module that touches libpq).
        .target(name: "ConsentPostgres", dependencies: ["CPostgreSQL", "ConsentStore"], swiftSettings: optimise),
        .target(name: "ConsentToken", dependencies: ["ConsentOpenSSL"], swiftSettings: optimise),
        .target(
            name: "ConsentServer",
            dependencies: ["ConsentTransport", "ConsentRPC", "ConsentProto", "ConsentCore", "ConsentStore", "ConsentPostgres", "ConsentToken", "ConsentOpenSSL"],
            swiftSettings: optimise
        ),

        // MARK: Clients
        .target(
            name: "ConsentClient",
            dependencies: ["ConsentTransport", "ConsentRPC", "ConsentProto", "ConsentOpenSSL"],
            path: "Clients/ConsentClient",
            swiftSettings: optimise
        ),
        // The command-line framework (arguments, connection settings and
        // profiles, output, exit codes) shared by consentctl and consent-load.
        .target(
            name: "ConsentCLI",
            dependencies: ["ConsentClient", "ConsentProto", "ConsentRPC", "ConsentOpenSSL"],
            path: "Clients/consentctl/Framework"
        ),
        // consentctl's commands, a library so that tests call them in process
        // (arguments, a transport, captured output); the executable is a thin main.
        .target(
            name: "ConsentctlCommands",
            dependencies: ["ConsentCLI", "ConsentClient", "ConsentProto", "ConsentRPC", "ConsentOpenSSL", "ConsentToken"],
            path: "Clients/consentctl/Commands"
        ),
        .executableTarget(
            name: "consentctl",
            dependencies: ["ConsentctlCommands"],
            path: "Clients/consentctl",
            exclude: ["Framework", "Commands"]
        ),
        // The load generator: scenarios, open/closed-loop drivers, histogram,
        // report; the executable is a thin main.
        .target(
            name: "ConsentLoad",
            dependencies: ["ConsentCLI", "ConsentClient", "ConsentProto", "ConsentRPC", "ConsentTransport"],
            path: "Clients/consent-load/Library",
            swiftSettings: optimise
        ),
        .executableTarget(
            name: "consent-load",
            dependencies: ["ConsentLoad"],
            path: "Clients/consent-load",
            exclude: ["Library"],
            swiftSettings: optimise
        ),

        // MARK: Executables and test support
        .executableTarget(name: "consentd", dependencies: ["ConsentServer"]),
        .executableTarget(name: "consent-storebench", dependencies: ["ConsentStore"], path: "Benchmarks/StoreBench"),
        .target(
            name: "ConsentTesting",
            dependencies: ["ConsentServer", "ConsentClient", "ConsentOpenSSL", "ConsentRPC", "ConsentProto", "ConsentCore"]
        ),

        .executableTarget(name: "consent-codecbench", dependencies: ["ConsentProto", "ConsentRPC"], path: "Benchmarks/CodecBench", swiftSettings: optimise),
        // Restart time and memory per consent for 1 million consents (make bench).
        .executableTarget(
            name: "consent-restartbench",
            dependencies: ["ConsentServer", "ConsentCore", "ConsentStore", "ConsentLoad"],
            path: "Benchmarks/RestartBench",
            swiftSettings: optimise
        ),
        // ExchangeCode's cost beyond its ES256 signature, against raw signing in the same run.
        .executableTarget(
            name: "consent-exchangebench",
            dependencies: ["ConsentServer", "ConsentCore", "ConsentStore", "ConsentToken", "ConsentRPC", "ConsentProto", "ConsentOpenSSL"],
            path: "Benchmarks/ExchangeBench",
            swiftSettings: optimise
        ),
        // What each libFuzzer target checks (FuzzTesting/ runs them, the
        // regression tests replay their corpora and fail cases), through the
        // `package` fuzzing seams of the modules they reach (docs/FUZZING.md).
        .target(
            name: "ConsentFuzzing",
            dependencies: ["ConsentRPC", "ConsentProto", "ConsentTransport", "ConsentCore", "ConsentToken", "ConsentServer", "ConsentOpenSSL"]
        ),

        // Writes the fuzz targets' seed corpora from real traffic (make fuzz-corpus).
        .executableTarget(
            name: "consent-fuzz-corpus",
            dependencies: ["ConsentFuzzing", "ConsentTesting", "ConsentClient", "ConsentCore", "ConsentOpenSSL", "ConsentProto", "ConsentRPC", "ConsentStore", "ConsentTransport"],
            path: "Tools/FuzzCorpus"
        ),

        // What abusive clients cost a well-behaved one: latency and the server's memory (make bench).
        .executableTarget(
            name: "consent-abusebench",
            dependencies: ["ConsentTesting", "ConsentClient", "ConsentProto", "ConsentRPC"],
            path: "Benchmarks/AbuseBench",
            swiftSettings: optimise
        ),
        // Failover time of two nodes sharing a throwaway PostgreSQL (make bench).
        .executableTarget(
            name: "consent-failoverbench",
            dependencies: ["ConsentTesting", "ConsentClient"],
            path: "Benchmarks/FailoverBench"
        ),
        // Recovery time over repeated kill -9 under load (issue 11; make bench).
        .executableTarget(
            name: "consent-crashbench",
            dependencies: ["ConsentTesting", "ConsentClient"],
            path: "Benchmarks/CrashBench"
        ),
        // Test helper, not a product: consentd plus a test-only write, for the kill -9 test.
        // MARK: Tests
        .testTarget(name: "ConsentProtoTests", dependencies: ["ConsentProto"]),
        .testTarget(name: "ConsentRPCTests", dependencies: ["ConsentRPC", "ConsentProto"]),
        .testTarget(name: "ConsentOpenSSLTests", dependencies: ["ConsentOpenSSL", "ConsentCore"]),
        .testTarget(
            name: "ConsentTransportTests",
            dependencies: ["ConsentTransport", "ConsentClient", "ConsentRPC", "ConsentProto", "ConsentOpenSSL", "ConsentTesting"]
        ),
        .testTarget(name: "ConsentCoreTests", dependencies: ["ConsentCore"]),
        .testTarget(name: "ConsentStoreTests", dependencies: ["ConsentStore"]),
        .testTarget(name: "ConsentPostgresTests", dependencies: ["ConsentPostgres", "ConsentStore", "ConsentTesting"]),
        .testTarget(name: "ConsentTokenTests", dependencies: ["ConsentToken", "ConsentOpenSSL", "ConsentTesting"]),
        .testTarget(
            name: "ConsentServerTests",
            dependencies: ["ConsentServer", "ConsentTesting", "ConsentClient", "ConsentRPC", "ConsentProto", "ConsentCore", "ConsentToken", "ConsentOpenSSL"]
        ),
        .testTarget(
            name: "ConsentctlTests",
            dependencies: ["ConsentctlCommands", "ConsentCLI", "ConsentTesting", "ConsentClient", "ConsentRPC", "ConsentProto", "ConsentOpenSSL"]
        ),
        .testTarget(name: "ConsentFuzzingTests", dependencies: ["ConsentFuzzing", "ConsentProto"]),
        .testTarget(
            name: "ConsentLoadTests",
            dependencies: ["ConsentLoad", "ConsentCLI", "ConsentTesting", "ConsentClient", "ConsentRPC", "ConsentProto"]
        ),
    ]
)
