import Foundation
import NIOConcurrencyHelpers

/// Each toolchain's version line, asked once (on the host: the toolchains are trusted) and kept.
enum RuntimeVersions {
    private static let cache = NIOLockedValueBox<[Language: String]>([:])

    static func version(of language: Language) -> String {
        if let known = cache.withLockedValue({ $0[language] }) { return known }
        guard language.isAvailable else { return "not installed" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: language.versionCommand[0])
        process.arguments = Array(language.versionCommand.dropFirst())
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        var text = "unknown"
        if (try? process.run()) != nil {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            text = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        cache.withLockedValue { $0[language] = text }
        return text
    }
}
