import Foundation

/// Tesseract's OpenMP threads: on a small instance serving several jobs, one thread per OCR job
/// is several times faster than OpenMP's default of one per core (threads fight for the cores).
/// libgomp reads `OMP_THREAD_LIMIT` once, when it loads, before `main` runs — so the service sets
/// it and re-executes itself once. If the re-exec fails the service runs on as it is.
public enum OpenMPThreads {
    public static func limitToOne() {
        guard getenv("OMP_THREAD_LIMIT") == nil else { return }
        setenv("OMP_THREAD_LIMIT", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
