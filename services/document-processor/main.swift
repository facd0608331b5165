import DocumentProcessing
import ServiceKit

// The document-processor container image: its operations over HTTP on $PORT (see its descriptor).
OpenMPThreads.limitToOne()
await ContainerService.main(DocumentJobHandler())
