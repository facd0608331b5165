// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "outpost",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Outpost", targets: ["Outpost"]),
        .library(name: "OutpostTesting", targets: ["OutpostTesting"]),
        .library(name: "OutpostCLI", targets: ["OutpostCLI"]),
        .executable(name: "outpost", targets: ["outpost"]),
        .library(name: "ServiceKit", targets: ["ServiceKit"]),
        .library(name: "Durable", targets: ["Durable"]),
        .library(name: "Functions", targets: ["Functions"]),
        .library(name: "VideoProcessing", targets: ["VideoProcessing"]),
        .executable(name: "video-processor", targets: ["video-processor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // libavformat + libavcodec + libavutil + libswscale in one module (the .pc files omit
        // libavutil and libswscale, hence the explicit links in module.modulemap).
        .systemLibrary(
            name: "CAVFormat",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .systemLibrary(
            name: "CSeccomp",
            pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]
        ),
        .systemLibrary(name: "COutpostSys"),
        .target(
            name: "Outpost",
            dependencies: [
                "CSQLite",
                "COutpostSys",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OutpostTesting",
            dependencies: ["Outpost", "COutpostSys"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OutpostCLI",
            dependencies: [
                "Outpost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Durable",
            dependencies: [
                "Outpost",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "durable",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Functions",
            dependencies: [
                "Outpost", "Durable",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "functions",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "outpost",
            dependencies: ["OutpostCLI", "Functions"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "outpost-testapp",
            dependencies: ["OutpostCLI", "Outpost"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "VideoProcessing",
            dependencies: ["CAVFormat", "ServiceKit"],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "video-processor",
            dependencies: ["VideoProcessing", "ServiceKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VideoProcessorTests",
            dependencies: [
                "VideoProcessing", "ServiceKit", "OutpostTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "outpost-sandbox",
            dependencies: ["CSeccomp"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "container-fixture",
            dependencies: ["CSeccomp"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "container-orphan-helper",
            dependencies: ["Outpost"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OutpostTests",
            dependencies: ["Outpost", "OutpostTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FunctionsTests",
            dependencies: [
                "Functions", "Durable", "OutpostTesting", "Outpost",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
