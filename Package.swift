// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// A container image under `services/<image>/`: its descriptor (a small target the platform
/// imports too), its library code and a thin `main.swift`. Adding a service adds one entry here.
struct ServiceImage {
    /// The folder and executable name, as wrangler's `image =`.
    var image: String
    /// The library's module name (the folder under `services/<image>/` holding its code).
    var library: String
    /// The descriptor's module name (in `services/<image>/Descriptor/`).
    var descriptor: String
    /// What the library links besides ServiceKit and its descriptor (C modules, packages).
    var dependencies: [Target.Dependency]
    /// Other targets' folders inside `services/<image>/` (not part of the executable).
    var otherFolders: [String] = []
    /// What the descriptor links besides ServiceDescriptors (the platform links it too).
    var descriptorDependencies: [Target.Dependency] = []

    var products: [Product] {
        [.library(name: library, targets: [library]), .executable(name: image, targets: [image])]
    }

    var targets: [Target] {
        [
            .target(name: descriptor, dependencies: ["ServiceDescriptors"] + descriptorDependencies, path: "services/\(image)/Descriptor",
                    swiftSettings: swiftSettings),
            .target(name: library, dependencies: ["ServiceKit", .target(name: descriptor)] + dependencies,
                    path: "services/\(image)/\(library)", swiftSettings: swiftSettings),
            .executableTarget(name: image, dependencies: ["ServiceKit", .target(name: library)],
                              path: "services/\(image)", exclude: ["Descriptor", library, "README.md"] + otherFolders,
                              sources: ["main.swift"], swiftSettings: swiftSettings),
        ]
    }
}

let services: [ServiceImage] = [
    ServiceImage(image: "video-processor", library: "VideoProcessing", descriptor: "VideoProcessorDescriptor", dependencies: ["CAVFormat", "MediaPipeline"]),
    ServiceImage(image: "media-transcoder", library: "MediaTranscoding", descriptor: "MediaTranscoderDescriptor", dependencies: ["CAVFormat", "MediaPipeline"]),
    ServiceImage(image: "document-processor", library: "DocumentProcessing", descriptor: "DocumentProcessorDescriptor",
                 dependencies: ["CPopplerCairo", "PDFText", "CTesseract", .product(name: "Mustache", package: "swift-mustache"),
                                .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                 // Uploaded templates are parsed at upload (by the Worker) with the renderer's own library.
                 descriptorDependencies: [.product(name: "Mustache", package: "swift-mustache")]),
    ServiceImage(image: "code-executor", library: "CodeExecution", descriptor: "CodeExecutorDescriptor",
                 dependencies: ["CSeccomp", "CRunSpawn", .product(name: "Crypto", package: "swift-crypto")]),
    ServiceImage(image: "ai-inference", library: "TextInference", descriptor: "AIInferenceDescriptor", dependencies: ["COpenBLAS", "AIProviders", "PDFText"],
                 otherFolders: ["Providers"]),
    ServiceImage(image: "report-generator", library: "ReportGeneration", descriptor: "ReportGeneratorDescriptor", dependencies: ["CCairoPango"]),
    ServiceImage(image: "backup-service", library: "UserDataBackup", descriptor: "BackupServiceDescriptor",
                 dependencies: ["CBackupZlib", .product(name: "Crypto", package: "swift-crypto")]),
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
        // For `make bench` (suite noop) only: the no-op service and `outpost` with its class.
        .executable(name: "noop-service", targets: ["noop-service"]),
        .executable(name: "outpost-noop", targets: ["outpost-noop"]),
    ] + services.flatMap(\.products),
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
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // libavformat + libavcodec + libavutil + libswscale + libavfilter + libswresample in one
        // module (the .pc files omit the others, hence the explicit links in module.modulemap).
        .systemLibrary(
            name: "CAVFormat",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libavfilter-dev", "libswresample-dev"])]
        ),
        .systemLibrary(
            name: "CSeccomp",
            pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]
        ),
        .systemLibrary(name: "COutpostSys"),
        // zlib's crc32 (the backup-service's ZIP entries). Not "CZlib": ZIPFoundation has a module of that name.
        .systemLibrary(name: "CBackupZlib", providers: [.apt(["zlib1g-dev"])]),
        // The code-executor's spawn of one run: joins its cgroups and sets its rlimits before exec.
        .systemLibrary(name: "CRunSpawn"),
        // OpenBLAS (matrix products of the ai-inference model); cblas.h sits under openblas-pthread/.
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // The document-processor's C libraries. Poppler-glib (reading and rendering PDFs), pango
        // (text layout) and cairo (PDF and PNG surfaces) are one module, so both see one cairo_t:
        // pangocairo's flags cover all three headers, and the map links poppler-glib itself.
        .systemLibrary(
            name: "CPopplerCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libpoppler-glib-dev", "libpango1.0-dev", "libcairo2-dev"])]
        ),
        // Cairo and pango without Poppler: the report-generator's PDF charts and tables.
        .systemLibrary(
            name: "CCairoPango",
            pkgConfig: "pangocairo",
            providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]
        ),
        // Tesseract with Leptonica (OCR); its .pc omits Leptonica, hence the map's link "lept".
        .systemLibrary(
            name: "CTesseract",
            pkgConfig: "tesseract",
            providers: [.apt(["libtesseract-dev", "libleptonica-dev"])]
        ),
        // JSONValue, its reader and writer: shared by the runtime, ServiceKit and the descriptors.
        .target(name: "OutpostJSON", swiftSettings: swiftSettings),
        // What a service declares (operations, parameters, outputs, routes), as plain values.
        .target(name: "ServiceDescriptors", dependencies: ["OutpostJSON"], swiftSettings: swiftSettings),
        .target(
            name: "Outpost",
            dependencies: [
                "OutpostJSON",
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
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // R2's S3-compatible API over the runtime's R2 stores.
        .target(
            name: "OutpostS3",
            dependencies: [
                "Outpost",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OutpostTesting",
            dependencies: ["Outpost", "COutpostSys"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceTesting",
            dependencies: ["OutpostTesting", "ServiceKit", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OutpostCLI",
            dependencies: [
                "Outpost", "OutpostS3",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Durable",
            dependencies: [
                "Outpost", "ServiceDescriptors",
                // The AI class passes the provider variables on and allows only their hosts.
                "AIProviders",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + services.map { .target(name: $0.descriptor) },
            path: "durable",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Functions",
            dependencies: [
                "Outpost", "Durable", "ServiceDescriptors",
                // Admin template uploads (functions/Routes/DocumentTemplateRoutes.swift).
                "DocumentProcessorDescriptor",
                // Code deployments (functions/Routes/CodeDeploymentRoutes.swift).
                "CodeExecutorDescriptor",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "functions",
            exclude: ["Dashboard/README.md"],
            // The dashboard's page, compiled into the binary (no files to find at run time).
            resources: [.embedInCode("Dashboard/index.html"), .embedInCode("Dashboard/dashboard.css"), .embedInCode("Dashboard/dashboard.js")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "outpost",
            dependencies: [
                "OutpostCLI", "Functions", "Durable", "Outpost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "OutpostJSON", "ServiceDescriptors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            
            swiftSettings: swiftSettings
        ),
        // The FFmpeg pipeline the media services share (inputs, decoders, filter graphs, encoders,
        // muxers, progress and cancel checks): services/shared/, beside the images that link it.
        .target(name: "MediaPipeline", dependencies: ["CAVFormat", "ServiceKit"], path: "services/shared/MediaPipeline",
                swiftSettings: swiftSettings),
        // Reading PDFs with Poppler (documents, pages, text layers, the errors of reading them): the
        // document-processor's extraction and the ai-inference's analysis of an uploaded PDF.
        .target(name: "PDFText", dependencies: ["CPopplerCairo", "ServiceKit"], path: "services/shared/PDFText",
                swiftSettings: swiftSettings),
        .testTarget(
            name: "MediaTranscoderTests",
            dependencies: [
                "MediaTranscoding", "MediaTranscoderDescriptor", "MediaPipeline", "ServiceKit", "OutpostTesting", "ServiceTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VideoProcessorTests",
            dependencies: [
                "VideoProcessing", "VideoProcessorDescriptor", "ServiceKit", "OutpostTesting", "ServiceTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DocumentProcessorTests",
            dependencies: [
                "DocumentProcessing", "DocumentProcessorDescriptor", "ServiceKit", "OutpostTesting", "ServiceTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CodeExecutorTests",
            dependencies: [
                "CodeExecution", "CodeExecutorDescriptor", "ServiceKit", "OutpostTesting", "OutpostJSON", "Outpost",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Text-generation provider clients (OpenAI, Anthropic, OpenAI-compatible) for ai-inference's `generate`.
        .target(name: "AIProviders", dependencies: ["OutpostJSON"], path: "services/ai-inference/Providers",
                exclude: ["README.md"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AIProvidersTests",
            dependencies: [
                "AIProviders", "OutpostJSON", "OutpostTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AIInferenceTests",
            dependencies: ["TextInference", "AIInferenceDescriptor", "ServiceKit", "OutpostTesting", "OutpostJSON"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BackupServiceTests",
            dependencies: ["UserDataBackup", "OutpostTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReportGeneratorTests",
            dependencies: [
                "ReportGeneration", "ReportGeneratorDescriptor", "ServiceKit", "ServiceDescriptors", "OutpostTesting", "ServiceTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "outpost-sandbox",
            dependencies: ["CSeccomp", "COutpostSys"],
            swiftSettings: swiftSettings
        ),
        // Executables that exist only for tests.
        .executableTarget(
            name: "outpost-testapp",
            dependencies: ["OutpostCLI", "Outpost"],
            path: "Tests/Fixtures/outpost-testapp",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "container-fixture",
            dependencies: ["CSeccomp"],
            path: "Tests/Fixtures/container-fixture",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "container-orphan-helper",
            dependencies: ["Outpost"],
            path: "Tests/Fixtures/container-orphan-helper",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "service-fixture",
            dependencies: [
                "ServiceKit", "ServiceFixtureDescriptor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/Fixtures/service-fixture/Executable",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceFixtureDescriptor",
            dependencies: ["ServiceDescriptors"],
            path: "Tests/Fixtures/service-fixture/Descriptor",
            swiftSettings: swiftSettings
        ),
        // The no-op service of `make bench` (suite noop): answers at once, so a job measures the
        // platform alone; `outpost-noop` is `outpost` with its class added.
        .target(
            name: "NoopDescriptor",
            dependencies: ["ServiceDescriptors"],
            path: "Tests/Fixtures/noop-service/Descriptor",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "noop-service",
            dependencies: ["ServiceKit", "NoopDescriptor"],
            path: "Tests/Fixtures/noop-service/Executable",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "outpost-noop",
            dependencies: ["OutpostCLI", "Functions", "Durable", "Outpost", "ServiceDescriptors", "NoopDescriptor"],
            path: "Tests/Fixtures/outpost-noop",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OutpostTests",
            dependencies: ["Outpost", "OutpostTesting", "OutpostS3", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FunctionsTests",
            dependencies: [
                "Functions", "Durable", "OutpostTesting", "Outpost", "ServiceDescriptors", "ServiceFixtureDescriptor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ] + services.flatMap(\.targets)
)
