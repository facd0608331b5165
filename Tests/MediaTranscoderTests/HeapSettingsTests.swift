import MediaTranscoding
import Testing

/// The service's malloc setting (`HeapSettings`, applied in `main.swift`).
@Suite("Media heap settings")
struct HeapSettingsTests {
    @Test("glibc takes the fixed mmap threshold")
    func glibcTakesTheThreshold() {
        #expect(HeapSettings.apply())
    }
}
