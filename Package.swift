// swift-tools-version:6.2
import PackageDescription

// Layers, lowest first: a target may depend only on targets of its own layer and of the layers
// listed before it. Tests/PackageLayerTests reads the `// layer` lines below and checks every
// target of the package against them, so a new target must be added to a layer.
// - runtime: generic pieces that depend on no domain target: the wire, the RPC envelope and
//   health messages, the RPC runtime, JSON, configuration and logging, the Gemini client and its
//   simulator, request shapes, test support; a product other than this one could use them as
//   they are.
// - domain: the services' messages and method descriptors, the task definitions, what both AI
//   services share, the protobuf-c code of every message.
// - services: each process's logic (and the gateway's database).
// - programs: the executables of the services, the fuzzing harnesses, whole-system tests.
//
// layer runtime: JSONText, AppSupport, RPCWire, RPCProto, RPCRuntime, GeminiAPI, TaskContract,
//   Telemetry, OTLPProto, OTLPReceiver, TraceSink,
//   GeminiSimulatorCore, GeminiSimulator, RPCBenchmark, StackFloor, RPCHealthCheck, TestSupport, CProtobufC,
//   RPCWireTests, RPCRuntimeTests, JSONTextTests, AppSupportTests, GeminiAPITests,
//   PackageLayerTests
// layer domain: CareerProto, CareerRPC, GenerationTasks, CoachTasks, ServiceRuntime, CareerProtoC,
//   ProtoInteropFixtures, TaskContractTests, ProtoInteropTests
// layer services: GatewayStore, GatewayCore, GenerationCore, CoachCore, GatewayCoreTests,
//   GenerationCoreTests, CoachCoreTests
// layer programs: Gateway, GenerationService, CoachService, GenerateOpenAPI, FuzzHarnesses,
//   FuzzFrameDecoder, FuzzRequestDecoding, FuzzServerSentEvents, FuzzHarnessTests,
//   IntegrationTests

let package = Package(
    name: "career-backend",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "Gateway", targets: ["Gateway"]),
        .executable(name: "GenerationService", targets: ["GenerationService"]),
        .executable(name: "CoachService", targets: ["CoachService"]),
        .executable(name: "GeminiSimulator", targets: ["GeminiSimulator"]),
        .executable(name: "RPCBenchmark", targets: ["RPCBenchmark"]),
        .executable(name: "RPCHealthCheck", targets: ["RPCHealthCheck"]),
        .executable(name: "StackFloor", targets: ["StackFloor"]),
        // libFuzzer targets (Fuzz/README.md); a normal build makes corpus replayers of them.
        .executable(name: "FuzzFrameDecoder", targets: ["FuzzFrameDecoder"]),
        .executable(name: "FuzzRequestDecoding", targets: ["FuzzRequestDecoding"]),
        .executable(name: "FuzzServerSentEvents", targets: ["FuzzServerSentEvents"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP export over gRPC and http/protobuf (its default traits); the gRPC packages are also
        // what the test receiver's OTLP/gRPC endpoint is served with.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: Request shapes: one statement of what a request accepts, read by the gateway's
        // validation, the services' checks and the OpenAPI document; the one limits table.
        .target(
            name: "TaskContract",
            dependencies: ["JSONText", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // MARK: The generation service's task definitions (``TextTask``), which the gateway and
        // the service both derive their parts from.
        .target(
            name: "GenerationTasks",
            dependencies: [
                "TaskContract", "CareerProto", "RPCRuntime", "JSONText",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // MARK: The coach's request shape (the chat and the actions a history turn sends back),
        // which the gateway reads by and the coach checks by.
        .target(name: "CoachTasks", dependencies: ["TaskContract", "GenerationTasks", "CareerProto", "JSONText"]),
        // MARK: The wire: length-prefixed frames, nothing else.
        .target(
            name: "RPCWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // MARK: Generated protobuf messages (Proto/generate.sh writes these): the RPC envelope and
        // health (rpc.proto, health.proto), and apart from them the services' messages.
        .target(
            name: "RPCProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "CareerProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // MARK: The RPC runtime: envelope, errors, deadlines, client and server.
        .target(
            name: "RPCRuntime",
            dependencies: [
                "RPCWire",
                "RPCProto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // MARK: The services' method descriptors, shared by their servers and their callers.
        .target(
            name: "CareerRPC",
            dependencies: ["RPCRuntime", "CareerProto"]
        ),
        // MARK: Configuration, logging and process plumbing shared by every executable.
        .target(
            name: "AppSupport",
            dependencies: [
                "JSONText",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MARK: The one JSON value (strict reading and deterministic writing of request bodies,
        // model answers and the simulator's requests; Codable for the Gemini client's free-form
        // members) and the one JSON Schema checker (model answers, tests against the document).
        .target(name: "JSONText"),
        // MARK: The Gemini REST client.
        .target(
            name: "GeminiAPI",
            dependencies: [
                "JSONText",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // MARK: Tracing and its log correlation: the OTLP exporter when `OTEL_EXPORTER_OTLP_ENDPOINT`
        // is set, nothing otherwise; `trace.id` / `span.id` on log lines.
        .target(
            name: "Telemetry",
            dependencies: [
                "AppSupport",
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MARK: A real OTLP trace receiver (http/protobuf and gRPC) for the tests and the tracing
        // benchmark; OTLPProto is the part of OpenTelemetry's protocol it decodes (generated).
        .target(name: "OTLPProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "OTLPReceiver",
            dependencies: [
                "OTLPProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "TraceSink",
            dependencies: ["OTLPReceiver", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // MARK: What both AI services share: configuration, the model runner, error mapping.
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "RPCRuntime", "CareerProto", "GeminiAPI", "AppSupport", "TaskContract", "JSONText",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MARK: The services and the gateway, as libraries their executables build.
        .target(
            name: "GenerationCore",
            dependencies: [
                "RPCRuntime", "CareerRPC", "CareerProto", "GeminiAPI", "AppSupport", "ServiceRuntime",
                "TaskContract", "GenerationTasks", "JSONText",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "CoachCore",
            dependencies: [
                "RPCRuntime", "CareerRPC", "CareerProto", "GeminiAPI", "AppSupport", "ServiceRuntime", "TaskContract", "JSONText",
                "CoachTasks", "GenerationTasks",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Prompts")]
        ),
        // MARK: The gateway's database: saved results, the usage ledger, shared limits.
        .target(
            name: "GatewayStore",
            dependencies: [
                "AppSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // For the SQLite library it builds (its VaporCSQLite module), which SQLiteStore
                // uses directly on a thread of its own (see SQLiteStore for why).
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "GatewayCore",
            dependencies: [
                "RPCRuntime", "RPCProto", "CareerRPC", "CareerProto", "AppSupport", "JSONText", "GatewayStore", "TaskContract", "GenerationTasks", "CoachTasks",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["OpenAPI/openapi.base.json"],
            resources: [
                .copy("OpenAPI/openapi.json"),
                // GET /docs: its page, its script and stylesheet, and the vendored Swagger UI.
                .copy("Docs/index.html"), .copy("Docs/docs.js"), .copy("Docs/docs.css"), .copy("Docs/swagger-ui"),
            ]
        ),
        .target(
            name: "GeminiSimulatorCore",
            dependencies: [
                "AppSupport", "JSONText",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // MARK: Executables: each main reads configuration and calls one build function.
        .executableTarget(name: "Gateway", dependencies: ["GatewayCore", "AppSupport", "Telemetry"]),
        .executableTarget(name: "GenerationService", dependencies: ["GenerationCore", "AppSupport", "Telemetry"]),
        .executableTarget(name: "CoachService", dependencies: ["CoachCore", "AppSupport", "Telemetry"]),
        .executableTarget(name: "GeminiSimulator", dependencies: ["GeminiSimulatorCore", "AppSupport"]),
        // Writes the gateway's OpenAPI document from its base and the task definitions
        // (scripts/generate-openapi.sh).
        .executableTarget(name: "GenerateOpenAPI", dependencies: ["GatewayCore", "JSONText"]),
        .executableTarget(
            name: "RPCBenchmark",
            dependencies: [
                "RPCRuntime", "RPCProto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The stack's shape with none of its work (HTTP in, one RPC hop, HTTP to the upstream):
        // the floor scripts/bench-stack.sh measures beside the stack.
        .executableTarget(
            name: "StackFloor",
            dependencies: [
                "RPCRuntime", "RPCProto", "GeminiAPI", "AppSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The health check that containers and Kubernetes probes run against a service.
        .executableTarget(
            name: "RPCHealthCheck",
            dependencies: [
                "RPCRuntime", "RPCProto", "AppSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // MARK: Fuzzing (Fuzz/README.md): the harnesses, and one libFuzzer executable each.
        .target(
            name: "FuzzHarnesses",
            dependencies: [
                "RPCWire", "RPCRuntime", "RPCProto", "CareerProto", "GatewayCore", "GeminiAPI", "JSONText", "TaskContract", "GenerationTasks", "CoachTasks",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(name: "FuzzFrameDecoder", dependencies: ["FuzzHarnesses"]),
        .executableTarget(name: "FuzzRequestDecoding", dependencies: ["FuzzHarnesses"]),
        .executableTarget(name: "FuzzServerSentEvents", dependencies: ["FuzzHarnesses"]),
        // MARK: protobuf-c code for the interop test (Proto/generate.sh writes it).
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .target(name: "CareerProtoC", dependencies: ["CProtobufC"]),
        // Hand-written C that packs and unpacks fixed messages with protobuf-c.
        .target(name: "ProtoInteropFixtures", dependencies: ["CareerProtoC", "CProtobufC"]),
        // MARK: Test support and tests.
        .target(
            name: "TestSupport",
            dependencies: [
                "RPCRuntime", "RPCProto", "AppSupport", "JSONText",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RPCWireTests",
            dependencies: [
                "RPCWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RPCRuntimeTests",
            dependencies: [
                "RPCRuntime", "RPCProto", "RPCWire", "TestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "ProtoInteropTests",
            dependencies: [
                "RPCProto", "CareerProto", "ProtoInteropFixtures",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "GeminiAPITests",
            dependencies: [
                "GeminiAPI", "GeminiSimulatorCore", "JSONText", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GatewayCoreTests",
            dependencies: [
                "GatewayCore", "GatewayStore", "JSONText", "TestSupport", "TaskContract", "GenerationTasks", "CoachTasks",
                "AppSupport", "CareerProto", "CareerRPC", "RPCRuntime",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GenerationCoreTests",
            dependencies: [
                "GenerationCore", "ServiceRuntime", "GeminiSimulatorCore", "TestSupport", "CareerRPC", "TaskContract", "GenerationTasks",
                "AppSupport", "CareerProto", "GeminiAPI", "RPCRuntime", "JSONText",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CoachCoreTests",
            dependencies: [
                "CoachCore", "ServiceRuntime", "GeminiSimulatorCore", "TestSupport", "CareerRPC",
                "AppSupport", "CareerProto", "GeminiAPI", "RPCRuntime", "TaskContract", "GenerationTasks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Replays the committed seed corpus (Fuzz/corpus) through every harness.
        .testTarget(name: "JSONTextTests", dependencies: ["JSONText"]),
        .testTarget(
            name: "TaskContractTests",
            dependencies: [
                "TaskContract", "GenerationTasks", "JSONText", "CareerProto", "CoachTasks",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "AppSupportTests",
            dependencies: ["AppSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "FuzzHarnessTests",
            dependencies: ["FuzzHarnesses"]
        ),
        // Checks the layers listed at the top of this file against `swift package dump-package`.
        .testTarget(name: "PackageLayerTests"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "RPCRuntime", "RPCWire", "RPCProto", "CareerRPC", "CareerProto", "TestSupport", "JSONText", "GenerationTasks",
                "OTLPReceiver", "OTLPProto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
    ]
)
