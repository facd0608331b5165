import OutpostTesting
import ServiceTesting
import DocumentProcessing

extension InProcessService {
    /// The document-processor's service in this process, 5 jobs at once.
    static func start() async throws -> InProcessService {
        try await start("document-processor", handler: DocumentJobHandler(), concurrency: 5)
    }
}
