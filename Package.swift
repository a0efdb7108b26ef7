// swift-tools-version: 6.2
import PackageDescription

/// notify: a multi-tenant notification engine of isolated functions on a PostgreSQL job runtime.
///
/// The top level is fixed: `Functions/` holds one target per function, `Runtime/` the runtime
/// library, the shared model, the HTTP listener and the CLI, `Tests/` the suites.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "notify",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "notify", targets: ["NotifyCLI"]),
        .library(name: "NotifyFunctionKit", targets: ["NotifyFunctionKit"]),
        .library(name: "NotifyRuntime", targets: ["NotifyRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
    ],
    targets: [
        // MARK: Runtime
        .target(
            name: "NotifyFunctionKit",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Runtime/FunctionKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyRuntime",
            dependencies: [
                "NotifyFunctionKit",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Runtime/Core",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyJSON",
            path: "Runtime/JSON",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyModel",
            dependencies: [
                "NotifyFunctionKit",
                "NotifyJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Runtime/Model",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyPrivateCluster",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Runtime/PrivateCluster",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyHTTP",
            dependencies: [
                "NotifyRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Runtime/HTTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyAPI",
            dependencies: [
                "NotifyRuntime",
                "NotifyModel",
                "NotifyFunctionKit",
                "NotifyHTTP",
                "NotifyDelivery",
                "NotifyProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Runtime/API",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "NotifyCLI",
            dependencies: [
                "NotifyRuntime",
                "NotifyFunctionKit",
                "NotifyHTTP",
                "NotifyPrivateCluster",
                "NoopFunction",
                "ProbeFunction",
                "ScheduleTickFunction",
                "ValidateFunction",
                "PreferenceFilterFunction",
                "CampaignFunction",
                "RenderFunction",
                "SendInAppFunction",
                "SendEmailFunction",
                "SendSMSFunction",
                "SendPushFunction",
                "SendWebhookFunction",
                "WebhookIngestFunction",
                "StatusEventsFunction",
                "DigestCloseFunction",
                "NotifyDelivery",
                "NotifyProviders",
                "NotifySMTP",
                "NotifyModel",
                "NotifyAPI",
                "NotifySandbox",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Runtime/CLI",
            swiftSettings: swiftSettings
        ),

        // MARK: Providers
        .target(
            name: "NotifyProviders",
            dependencies: [
                "NotifyJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Runtime/Providers",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifyDelivery",
            dependencies: [
                "NotifyFunctionKit",
                "NotifyJSON",
                "NotifyModel",
                "NotifyProviders",
                "NotifySMTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Runtime/Delivery",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifySMTP",
            dependencies: [
                "NotifyProviders",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Runtime/SMTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NotifySandbox",
            dependencies: [
                "NotifyJSON",
                "NotifyModel",
                "NotifyProviders",
                "NotifyFunctionKit",
                "NotifySMTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Runtime/Sandbox",
            swiftSettings: swiftSettings
        ),

        // MARK: Functions
        .target(
            name: "NoopFunction",
            dependencies: ["NotifyFunctionKit"],
            path: "Functions/Noop",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProbeFunction",
            dependencies: ["NotifyFunctionKit"],
            path: "Functions/Probe",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScheduleTickFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/ScheduleTick",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "ValidateFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/Validate",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CampaignFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/Campaign",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PreferenceFilterFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/PreferenceFilter",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RenderFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/Render",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DigestCloseFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/DigestClose",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SendInAppFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Functions/SendInApp",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "SendEmailFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", "NotifyDelivery"],
            path: "Functions/SendEmail",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SendSMSFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", "NotifyDelivery"],
            path: "Functions/SendSMS",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SendPushFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", "NotifyDelivery"],
            path: "Functions/SendPush",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SendWebhookFunction",
            dependencies: ["NotifyFunctionKit", "NotifyModel", "NotifyDelivery"],
            path: "Functions/SendWebhook",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "StatusEventsFunction",
            dependencies: [
                "NotifyFunctionKit", "NotifyModel", "NotifyProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Functions/StatusEvents",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WebhookIngestFunction",
            dependencies: [
                "NotifyFunctionKit", "NotifyModel", "NotifyProviders",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Functions/WebhookIngest",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "NotifyTestSupport",
            dependencies: [
                "NotifyRuntime",
                "NotifyPrivateCluster",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifyFunctionKitTests",
            dependencies: ["NotifyFunctionKit"],
            path: "Tests/NotifyFunctionKitTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifyModelTests",
            dependencies: [
                "NotifyModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/NotifyModelTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifyProvidersTests",
            dependencies: [
                "NotifyProviders",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/NotifyProvidersTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifySMTPTests",
            dependencies: [
                "NotifySMTP",
                "NotifyProviders",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/NotifySMTPTests",
            exclude: ["Python"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifySandboxTests",
            dependencies: [
                "NotifySandbox",
                "NotifyProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/NotifySandboxTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PrivateClusterTests",
            dependencies: ["NotifyPrivateCluster", .product(name: "Logging", package: "swift-log")],
            path: "Tests/PrivateClusterTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotifyRuntimeTests",
            dependencies: [
                "NotifyRuntime",
                "NotifyTestSupport",
                "NoopFunction",
                "ProbeFunction",
                "ScheduleTickFunction",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/NotifyRuntimeTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "NotifyAPI",
                "NotifyModel",
                "NotifyRuntime",
                "NotifyHTTP",
                "NotifyFunctionKit",
                "NotifyTestSupport",
                "ValidateFunction",
                "PreferenceFilterFunction",
                "CampaignFunction",
                "RenderFunction",
                "SendInAppFunction",
                "SendEmailFunction",
                "SendSMSFunction",
                "SendPushFunction",
                "SendWebhookFunction",
                "WebhookIngestFunction",
                "DigestCloseFunction",
                "NotifyDelivery",
                "NotifyProviders",
                "NotifySandbox",
                "NotifySMTP",
                "NotifyPrivateCluster",
                "ScheduleTickFunction",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/PipelineTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StatusEventTests",
            dependencies: [
                "NotifyAPI",
                "NotifyModel",
                "NotifyRuntime",
                "NotifyHTTP",
                "NotifyFunctionKit",
                "NotifyProviders",
                "NotifyTestSupport",
                "ScheduleTickFunction",
                "StatusEventsFunction",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/StatusEventTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "NotifyRuntime",
                "NotifyTestSupport",
                "ProbeFunction",
                "NotifyModel",
                "NotifyPrivateCluster",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
    ]
)
