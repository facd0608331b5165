import Foundation
import NIOConcurrencyHelpers

/// Where a job's outputs wait, as files, until the runtime pulls them: the service's
/// `<scratch>/outbox/<job>/`.
///
/// A job whose request asks for pulled outputs (`X-Output-Delivery: pull`) answers with each
/// output's `pull` path, `/outputs/{job}/{index}`, instead of its bytes inline. The runtime reads
/// each one with `GET` (streamed from the file, so an output of any size is never held in memory
/// or base64'd) and stores it in R2, then sends `DELETE /outputs/{job}`. A job's outputs the
/// runtime never collects (it crashed) are swept once they are `retention` old.
struct JobOutbox: Sendable {
    let root: String
    /// How long uncollected outputs are kept.
    let retention: TimeInterval
    /// Outputs being written live (``JobOutputWriter``), by `<job directory>/<index>`, until the
    /// runtime's `GET` takes them.
    private let live = LiveOutputs()

    init(scratchDirectory: String, retention: TimeInterval = 30 * 60) {
        root = scratchDirectory + "/outbox"
        self.retention = retention
    }

    /// The job's directory: the id with anything but letters, digits, `-` and `_` replaced, so
    /// no id names a path outside the outbox.
    func directory(for jobId: String) -> String {
        let safe = ScratchFile.fileName(String(jobId.prefix(64)))
        return root + "/" + (safe.isEmpty ? "_" : safe)
    }

    /// Moves the file at `path` into the job's directory (a rename: the scratch directory is one
    /// filesystem) and returns its new path.
    func adopt(_ path: String, jobId: String) throws(ServiceError) -> String {
        let directory = directory(for: jobId)
        let target = directory + "/adopted-" + UUID().uuidString.prefix(12)
        do {
            try inDirectory(directory) { try FileManager.default.moveItem(atPath: path, toPath: target) }
        } catch {
            throw .internalError("Could not keep the output \(path).", cause: error)
        }
        return target
    }

    /// Puts each output in the job's directory as `<index>` and returns how the runtime pulls it.
    /// Outputs the job already published while it ran (`stream`) keep the place they have.
    func publish(_ files: [JobOutputFile], jobId: String, stream: JobOutputStream? = nil) throws(ServiceError) -> [JobResponse.Output] {
        sweep()
        var outputs: [JobResponse.Output] = []
        for (index, file) in files.enumerated() {
            if let delivered = file.delivered {
                // Written live: the runtime has pulled it already.
                outputs.append(delivered)
            } else if let published = stream?.published(file) {
                // The outbox holds a link to the same file: the job's own name for it can go.
                if case .file(let path, _) = file.content { unlink(path) }
                outputs.append(published)
            } else {
                outputs.append(try place(file, jobId: jobId, index: stream?.takeIndex() ?? index, keepingSource: false))
            }
        }
        return outputs
    }

    /// Puts one output in the job's directory as `<index>`: bytes are written; a file is moved,
    /// or with `keepingSource` linked (copied if it cannot be), so the job keeps its file.
    func place(_ file: JobOutputFile, jobId: String, index: Int, keepingSource: Bool) throws(ServiceError) -> JobResponse.Output {
        let directory = directory(for: jobId)
        let target = directory + "/\(index)"
        do {
            try inDirectory(directory) {
                switch file.content {
                case .bytes(let bytes):
                    try Data(bytes).write(to: URL(fileURLWithPath: target))
                case .file(let path, _) where keepingSource:
                    if link(path, target) != 0 { try FileManager.default.copyItem(atPath: path, toPath: target) }
                case .file(let path, _):
                    try FileManager.default.moveItem(atPath: path, toPath: target)
                }
            }
        } catch {
            throw .internalError("Could not keep the job's output \(file.name) for the runtime.", cause: error)
        }
        var output = JobResponse.Output(name: file.name, contentType: file.contentType, size: file.size)
        output.pull = "/outputs/\(directory.split(separator: "/").last!)/\(index)"
        return output
    }

    /// Registers a live output as output `index` of the job, and returns how the runtime pulls it.
    func openLive(_ pipe: BytePipe, name: String, contentType: String, jobId: String, index: Int) -> JobResponse.Output {
        let job = String(directory(for: jobId).split(separator: "/").last!)
        live.add(pipe, at: job + "/\(index)", jobId: job)
        var output = JobResponse.Output(name: name, contentType: contentType, size: 0)
        output.pull = "/outputs/\(job)/\(index)"
        return output
    }

    /// The live output `index` of `job`, taken (only one reader gets it).
    func takeLive(job: String, index: String) -> BytePipe? {
        live.take(job + "/" + index)
    }

    /// The file of output `index` of `job`, if it is there.
    func file(job: String, index: String) -> (path: String, size: Int)? {
        guard Int(index) != nil, directory(for: job).hasSuffix("/" + job) else { return nil }
        let path = directory(for: job) + "/" + index
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return nil }
        return (path, size.intValue)
    }

    /// Removes everything the job left here, and the outbox itself once it is empty, so an idle
    /// service's scratch is empty.
    func remove(jobId: String) {
        live.cut(jobId: String(directory(for: jobId).split(separator: "/").last!))
        try? FileManager.default.removeItem(atPath: directory(for: jobId))
        rmdir(root)
    }

    /// Makes `directory` and runs `body`, once more if another job's ``remove(jobId:)`` took the
    /// outbox away in between (`rmdir` only removes it empty).
    private func inDirectory(_ directory: String, _ body: () throws -> Void) throws {
        for attempt in 0..<3 {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try body()
                return
            } catch where attempt < 2 {
                continue
            }
        }
    }

    /// Removes the directories of jobs whose outputs were not collected within `retention`.
    func sweep(now: Date = Date()) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let path = root + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                  now.timeIntervalSince(modified) > retention else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// The live outputs waiting for their reader.
final class LiveOutputs: Sendable {
    private let pipes = NIOLockedValueBox<[String: (pipe: BytePipe, job: String)]>([:])

    func add(_ pipe: BytePipe, at path: String, jobId: String) {
        pipes.withLockedValue { $0[path] = (pipe, jobId) }
    }

    func take(_ path: String) -> BytePipe? {
        pipes.withLockedValue { $0.removeValue(forKey: path)?.pipe }
    }

    /// Forgets the job's live outputs no reader took, and tells their writers.
    func cut(jobId: String) {
        let gone = pipes.withLockedValue { pipes in
            let gone = pipes.filter { $0.value.job == jobId }
            for key in gone.keys { pipes[key] = nil }
            return gone.values.map(\.pipe)
        }
        for pipe in gone { pipe.close() }
    }
}
