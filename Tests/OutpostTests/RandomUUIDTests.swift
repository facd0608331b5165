import Foundation
import Outpost
import Testing

@Suite("Random UUIDs")
struct RandomUUIDTests {
    @Test("UUID.random() is a version 4, RFC 4122 UUID, never repeated, and lowercaseHex is its 32 hex digits")
    func versionVariantAndHex() {
        var seen = Set<UUID>()
        for _ in 0..<10_000 {
            let id = UUID.random()
            let text = id.uuidString
            #expect(Array(text)[14] == "4")
            #expect("89AB".contains(Array(text)[19]))
            #expect(id.lowercaseHex == text.replacingOccurrences(of: "-", with: "").lowercased())
            #expect(UUID(uuidString: text) == id)
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
    }
}
