public import Foundation

/// The committed test media and documents in the repository's `fixtures/` folder.
public enum Fixtures {
    public static let directory: String = {
        // Sources/OutpostTesting/Fixtures.swift → the repository's root.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("fixtures").path
    }()

    public static func path(_ name: String) -> String { directory + "/" + name }

    public static func data(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }
}
