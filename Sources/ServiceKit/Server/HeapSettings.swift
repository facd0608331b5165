#if canImport(Glibc)
import Glibc
#endif

/// How a service's heap hands memory back, set once at start by `ContainerService.main`, so
/// every service gets it.
///
/// glibc's malloc serves a block of 128 KiB or more with its own `mmap` and unmaps it when freed,
/// but after each such free it raises that threshold (up to 32 MiB), so the next picture-sized
/// blocks — FFmpeg's frame pools, x264's lookahead and reference frames, 3 MiB per 1080p frame —
/// come from the heap instead, where freeing them does not give the memory back and the next
/// job's blocks seldom fit the holes. In a service that runs job after job that ratchets: peak
/// RSS measured 330 → 424 MB over two 10 s 1080p ladders (607 MB after the bench's three 30 s
/// ones, against the `ffmpeg` CLI's 304 MB, which runs one job and exits). A fixed threshold keeps
/// big blocks in their own mappings, returned as soon as they are freed: 353 MB in the same bench
/// (the CLI 302), and RSS between jobs falls back to ~100 MB instead of staying at 300+.
public enum HeapSettings {
    /// Blocks of this size or more get their own mapping, always.
    public static let mmapThreshold: Int32 = 128 << 10
    /// `M_MMAP_THRESHOLD` of glibc's `<malloc.h>` (not in Swift's Glibc module).
    static let mmapThresholdParameter: Int32 = -3

    /// Fixes malloc's mmap threshold (which also stops its dynamic raising). Returns whether
    /// glibc took it (false on another libc, where nothing is changed).
    @discardableResult
    public static func apply() -> Bool {
        #if canImport(Glibc)
        // `mallopt` is looked up rather than declared: `<malloc.h>` is not part of the Glibc module.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        return mallopt(mmapThresholdParameter, mmapThreshold) == 1
        #else
        return false
        #endif
    }
}
