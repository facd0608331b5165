import Foundation
import NIOConcurrencyHelpers

/// The outputs a running job hands over before it ends (``JobContext/publish(_:)``: an HLS
/// segment as it is cut), so the runtime stores them while the job goes on.
///
/// Only a job whose caller pulls its outputs and reads its progress stream (the platform's job
/// runner) has one. Each published output is placed in the outbox at once (a file is linked,
/// not moved, so the job can still return it) and announced as an `output` line of the stream.
/// At the end, an output whose file was published already is not placed again: the result names
/// it with the same `pull` path, so the runtime knows it has it.
final class JobOutputStream: Sendable {
    private let outbox: JobOutbox
    private let jobId: String
    private let announce: @Sendable (JobResponse.Output) -> Void
    private let state = NIOLockedValueBox(State())

    private struct State {
        /// The outbox index the next output gets.
        var next = 0
        /// Published file outputs by file identity (device and inode, which survive a rename such
        /// as ``JobContext/adoptOutput(_:)``).
        var byFile: [FileIdentity: JobResponse.Output] = [:]
    }

    init(outbox: JobOutbox, jobId: String, announce: @escaping @Sendable (JobResponse.Output) -> Void) {
        self.outbox = outbox
        self.jobId = jobId
        self.announce = announce
    }

    /// Places `file` in the outbox and announces it.
    func publish(_ file: JobOutputFile) throws(ServiceError) {
        let index = takeIndex()
        let output = try outbox.place(file, jobId: jobId, index: index, keepingSource: true)
        if case .file(let path, _) = file.content, let identity = FileIdentity(path: path) {
            state.withLockedValue { $0.byFile[identity] = output }
        }
        announce(output)
    }

    /// Opens a live output: registered in the outbox and announced at once, so the runtime
    /// starts pulling it while the job writes it.
    func openLive(name: String, contentType: String, pipe: BytePipe) -> JobResponse.Output {
        let output = outbox.openLive(pipe, name: name, contentType: contentType, jobId: jobId, index: takeIndex())
        announce(output)
        return output
    }

    /// The next free outbox index.
    func takeIndex() -> Int {
        state.withLockedValue { state in
            defer { state.next += 1 }
            return state.next
        }
    }

    /// How the runtime already pulls `file`, if it was published and has not changed since.
    func published(_ file: JobOutputFile) -> JobResponse.Output? {
        guard case .file(let path, let size) = file.content, let identity = FileIdentity(path: path) else { return nil }
        return state.withLockedValue { $0.byFile[identity] }.flatMap { $0.size == size && $0.name == file.name ? $0 : nil }
    }
}

/// A file's device and inode.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let device = (attributes[.systemNumber] as? NSNumber)?.uint64Value,
              let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value else { return nil }
        self.device = device
        self.inode = inode
    }
}
