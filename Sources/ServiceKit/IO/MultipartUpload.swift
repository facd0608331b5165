import Hummingbird

/// The files of a `multipart/form-data` job request, each part streamed straight into its own
/// scratch file: the part named `input` (or `file`, as direct callers name it) is the job's input,
/// every other part an attachment of the parameter it is named after.
struct MultipartUpload: Sendable {
    /// Part names that carry the job's main input.
    static let inputNames: Set<String> = ["input", "file"]

    /// One received part.
    struct Part: Sendable {
        var name: String
        var filename: String?
        var file: ScratchFile
    }

    /// The main input, if a part carried it.
    private(set) var input: ScratchFile?
    /// The other parts, in the order received.
    private(set) var attachments: [Part] = []

    /// Attachment files by part name, in the order received.
    var attachmentPaths: [String: [String]] {
        attachments.reduce(into: [:]) { $0[$1.name, default: []].append($1.file.path) }
    }

    /// Every file received.
    var files: [ScratchFile] { (input.map { [$0] } ?? []) + attachments.map(\.file) }

    /// Deletes every file received.
    func remove() { for file in files { file.remove() } }

    /// Reads `body` to its end. At most `maxBytes` of content in all (else 413) and `maxParts`
    /// parts; a malformed body, or two input parts, is a 400. On a throw nothing is left on disk.
    static func receive(_ body: RequestBody, boundary: String, directory: String, prefix: String, maxBytes: Int64,
                        maxParts: Int = 64) async throws -> MultipartUpload {
        var upload = MultipartUpload()
        var reader = MultipartReader(boundary: boundary, maxParts: maxParts)
        var current: Part?
        var isInput = false
        var total: Int64 = 0
        do {
            for try await chunk in body {
                for event in try reader.feed(chunk.readableBytesView) {
                    switch event {
                    case .part(let header):
                        isInput = inputNames.contains(header.name)
                        if isInput, upload.input != nil {
                            throw ServiceError.badRequest("The multipart body has two input parts (\"input\" or \"file\"); a job has one input.", code: "invalid_multipart")
                        }
                        let file = try ScratchFile(directory: directory, prefix: "\(prefix)-\(upload.attachments.count + (isInput ? 0 : 1))")
                        current = Part(name: header.name, filename: header.filename, file: file)
                        if isInput { upload.input = file } else { upload.attachments.append(current!) }
                    case .content(let bytes):
                        total += Int64(bytes.count)
                        if total > maxBytes { throw ServiceError.inputTooLarge(limit: maxBytes) }
                        try bytes.withUnsafeBytes { try current?.file.write($0) }
                    case .end:
                        current?.file.finishWriting()
                        current = nil
                    }
                }
            }
            try reader.finish()
        } catch {
            upload.remove()
            throw error
        }
        return upload
    }
}
