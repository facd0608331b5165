import ArgumentParser
import Foundation
import Outpost
import OutpostS3

/// `outpost r2 object put|get|head|delete BUCKET/KEY`, on the state directory the server uses.
struct R2Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "r2", abstract: "Read and write R2 buckets in the state directory.",
        subcommands: [ObjectCommand.self, BucketCommand.self, CredentialsCommand.self]
    )

    struct ObjectCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "object", abstract: "Work with objects.",
            subcommands: [Put.self, Get.self, Head.self, Delete.self]
        )
    }

    /// `BUCKET/KEY`, where BUCKET is a `bucket_name` from the configuration.
    struct Target: ParsableArguments {
        @OptionGroup var config: ConfigOptions
        @Argument(help: "BUCKET/KEY, where BUCKET is a bucket_name from [[r2_buckets]].")
        var objectPath: String

        /// Opens the bucket's store; the caller closes it.
        func open() throws -> (R2Bucket, R2Store, key: String) {
            guard let slash = objectPath.firstIndex(of: "/"), slash != objectPath.startIndex else {
                throw ValidationError("give the object as BUCKET/KEY, got \"\(objectPath)\"")
            }
            let bucketName = String(objectPath[..<slash])
            let key = String(objectPath[objectPath.index(after: slash)...])
            let cfg = try config.load()
            let state = URL(fileURLWithPath: config.stateDirectory).standardizedFileURL.path
            // A bucket from the configuration, or one created with `outpost r2 bucket create` or S3.
            guard cfg.r2Bucket(named: bucketName) != nil || S3BucketRegistry(stateDirectory: state).exists(bucketName) else {
                let known = cfg.r2Buckets.map(\.bucketName).joined(separator: ", ")
                throw CLIError("no bucket named \(bucketName) in \(config.configPath) (buckets: \(known.isEmpty ? "none" : known))")
            }
            let store = try userFacingSync { try R2Store(stateDirectory: state, bucketName: bucketName, clock: RuntimeClock()) }
            return (R2Bucket(store: store), store, key)
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store an object from --file or stdin; prints the object as JSON.")
        @OptionGroup var target: Target
        @Option(help: "Read the body from this file (default: stdin).") var file: String?
        @Option(name: .customLong("content-type"), help: "Content-Type to store with the object.") var contentType: String?
        @Option(name: .customLong("cache-control"), help: "Cache-Control to store with the object.") var cacheControl: String?

        func run() async throws {
            let (bucket, store, key) = try target.open()
            defer { store.close() }
            let handle: FileHandle
            if let file {
                guard let h = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot read \(file)") }
                handle = h
            } else {
                handle = FileHandle.standardInput
            }
            let length = file.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }
            let options = R2PutOptions(httpMetadata: R2HTTPMetadata(contentType: contentType, cacheControl: cacheControl))
            let object = try await userFacing { try await bucket.put(key, body: Body(stream: FileChunks(handle: handle), length: length), options: options) }
            if let object { Console.json(object) }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write an object's body to --file or stdout.")
        @OptionGroup var target: Target
        @Option(help: "Write the body to this file (default: stdout).") var file: String?

        func run() async throws {
            let (bucket, store, key) = try target.open()
            defer { store.close() }
            guard let object = try await userFacing({ try await bucket.get(key) }) else {
                throw CLIError("The specified key does not exist: \(key)")
            }
            let out: FileHandle
            if let file {
                guard FileManager.default.createFile(atPath: file, contents: nil), let h = FileHandle(forWritingAtPath: file) else {
                    throw CLIError("cannot write \(file)")
                }
                out = h
            } else {
                out = FileHandle.standardOutput
            }
            for try await chunk in object.body {
                try out.write(contentsOf: Data(chunk.readableBytesView))
            }
            if file != nil { try out.close() }
        }
    }

    struct Head: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an object's metadata as JSON.")
        @OptionGroup var target: Target

        func run() async throws {
            let (bucket, store, key) = try target.open()
            defer { store.close() }
            guard let object = try await userFacing({ try await bucket.head(key) }) else {
                throw CLIError("The specified key does not exist: \(key)")
            }
            Console.json(object)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an object.")
        @OptionGroup var target: Target

        func run() async throws {
            let (bucket, store, key) = try target.open()
            defer { store.close() }
            try await userFacing { try await bucket.delete(key) }
            Console.json(["success": true, "key": .string(key)] as JSONValue)
        }
    }
}

/// A file or pipe read in 256 KiB chunks. Reads block the calling thread, which is fine for a
/// one-shot command.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle

    func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

    struct Iterator: AsyncIteratorProtocol {
        let handle: FileHandle
        mutating func next() async throws -> ByteBuffer? {
            guard let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty else { return nil }
            return ByteBuffer(bytes: data)
        }
    }
}

/// Runs a synchronous binding call, turning its user-facing errors into `error: …`.
func userFacingSync<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as any HTTPError {
        throw CLIError(error.message)
    }
}
