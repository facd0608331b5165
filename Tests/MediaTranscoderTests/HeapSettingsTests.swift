import ServiceKit
import Testing

/// Every service's malloc setting (`HeapSettings`, applied by `ContainerService.main`).
@Suite("Media heap settings")
struct HeapSettingsTests {
    @Test("glibc takes the fixed mmap threshold")
    func glibcTakesTheThreshold() {
        #expect(HeapSettings.apply())
    }
}
