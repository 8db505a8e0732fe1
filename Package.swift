// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "warden",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "warden", targets: ["warden"]),
        .executable(name: "warden-launcher", targets: ["warden-launcher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Domain rules: approval workflow, roles, validation. No I/O.
        .target(
            name: "WardenDomain",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Persistence over a small SQL seam: SQLite (GRDB, WAL) or PostgreSQL (postgres-nio), migrations.
        .target(
            name: "WardenStore",
            dependencies: [
                "WardenDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Small C helpers the Swift side needs from libc (pipe2, posix_spawn file actions).
        .target(name: "CWardenShim"),
        // Swift side of the sandbox: worker pool, launcher protocol, profiles.
        .target(
            name: "WardenSandbox",
            dependencies: [
                "WardenDomain", "CWardenShim",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The confining launcher, in C: namespaces, mounts, limits, capabilities, seccomp.
        // Linked statically: it starts once per worker, and loading the Swift runtime's shared
        // libraries cost more than the rest of its work.
        .executableTarget(
            name: "warden-launcher",
            linkerSettings: [
                .linkedLibrary("seccomp"),
                .unsafeFlags(["-static-executable"]),
            ]
        ),
        // The egress proxy: allowlist, SSRF guard on resolved addresses, no redirects, limits.
        .target(
            name: "WardenEgress",
            dependencies: [
                "WardenDomain",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // HTTP API (Hummingbird).
        .target(
            name: "WardenAPI",
            dependencies: [
                .product(name: "Mustache", package: "swift-mustache"),
                "WardenDomain", "WardenStore", "WardenEgress",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The `warden` command line: serve, keys, audit.
        .executableTarget(
            name: "warden",
            dependencies: [
                "WardenAPI", "WardenStore", "WardenSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared by the test targets: a real server on loopback, the real sandbox.
        .target(
            name: "WardenTestSupport",
            dependencies: [
                "WardenAPI", "WardenStore", "WardenSandbox", "WardenDomain",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/WardenTestSupport"
        ),
        .testTarget(name: "WardenDomainTests", dependencies: ["WardenDomain"]),
        .testTarget(
            name: "WardenAPITests",
            dependencies: [
                "WardenTestSupport", "WardenAPI", "WardenStore", "WardenSandbox", "WardenDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "WardenStoreTests",
            dependencies: [
                "WardenTestSupport", "WardenStore", "WardenSandbox", "WardenDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "WardenSandboxTests", dependencies: ["WardenTestSupport", "WardenSandbox", "WardenDomain"]),
        .testTarget(
            name: "WardenCLITests",
            dependencies: ["warden", "WardenTestSupport", "WardenStore", "WardenSandbox", "WardenDomain"]),
    ]
)
