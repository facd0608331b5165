import Crypto
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one blob: a temporary file in `blobs/`, hashed while it is written, made durable and
/// renamed into place by `finish()`. A crash before `finish()` leaves only a `.tmp` file, which
/// the next exclusive open of the bucket removes.
///
/// @unchecked Sendable: one task owns a writer and awaits each call before the next, so the
/// mutable state (descriptor, size, hashers) is touched by one thread-pool job at a time.
final class R2BlobWriter: @unchecked Sendable {
    let blobID: String
    private let blobsDirectory: String
    private let operation: String
    private let maxBytes: Int64
    private var fd: Int32 = -1
    private(set) var size: Int64 = 0
    private var md5 = Insecure.MD5()
    private var sha1: Insecure.SHA1?
    private var sha256: SHA256?
    private var sha384: SHA384?
    private var sha512: SHA512?
    private var done = false

    init(blobsDirectory: String, operation: String, maxBytes: Int64 = R2Limits.maxUploadBytes, extraDigests: Set<R2DigestAlgorithm> = []) {
        self.blobID = R2IDs.random(bytes: 16)
        self.blobsDirectory = blobsDirectory
        self.operation = operation
        self.maxBytes = maxBytes
        if extraDigests.contains(.sha1) { sha1 = Insecure.SHA1() }
        if extraDigests.contains(.sha256) { sha256 = SHA256() }
        if extraDigests.contains(.sha384) { sha384 = SHA384() }
        if extraDigests.contains(.sha512) { sha512 = SHA512() }
    }

    var temporaryPath: String { blobsDirectory + "/" + blobID + ".tmp" }
    var finalPath: String { blobsDirectory + "/" + blobID }

    /// Streams `body` into the file, writing in pieces of about 256 KiB.
    func consume(_ body: Body) async throws {
        var pending = ByteBuffer()
        for try await var chunk in body {
            if pending.readableBytes == 0 && chunk.readableBytes >= 256 * 1024 {
                try await write(chunk)
                continue
            }
            pending.writeBuffer(&chunk)
            if pending.readableBytes >= 256 * 1024 {
                try await write(pending)
                pending.clear()
            }
        }
        if pending.readableBytes > 0 { try await write(pending) }
    }

    /// Appends `buffer` to the file on a thread-pool thread.
    func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > 0 else { return }
        guard size + Int64(buffer.readableBytes) <= maxBytes else { throw R2Error.entityTooLarge(operation) }
        try await R2FileIO.pool.runIfActive { [self] in
            if fd < 0 {
                fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                if fd < 0 { throw R2FileError.posix("create \(temporaryPath)") }
            }
            try buffer.withUnsafeReadableBytes { raw in
                md5.update(bufferPointer: raw)
                sha1?.update(bufferPointer: raw)
                sha256?.update(bufferPointer: raw)
                sha384?.update(bufferPointer: raw)
                sha512?.update(bufferPointer: raw)
                var offset = 0
                while offset < raw.count {
                    let n = R2FileIO.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw R2FileError.posix("write \(temporaryPath)")
                    }
                    offset += n
                }
            }
            size += Int64(buffer.readableBytes)
        }
    }

    /// Makes the blob durable (fsync file, rename, fsync directory) and returns its digests.
    /// An empty body leaves no file: `blobID` is nil in the result.
    func finish(directoryFD: Int32) async throws -> R2BlobDigests {
        try await R2FileIO.pool.runIfActive { [self] in
            done = true
            let hasFile = fd >= 0
            if hasFile {
                if fsync(fd) != 0 { throw R2FileError.posix("fsync \(temporaryPath)") }
                close(fd)
                fd = -1
                if rename(temporaryPath, finalPath) != 0 { throw R2FileError.posix("rename \(temporaryPath)") }
                if fsync(directoryFD) != 0 { throw R2FileError.posix("fsync \(blobsDirectory)") }
            }
            return R2BlobDigests(
                blobID: hasFile ? blobID : nil,
                size: size,
                md5: Array(md5.finalize()),
                sha1: sha1.map { Array($0.finalize()) },
                sha256: sha256.map { Array($0.finalize()) },
                sha384: sha384.map { Array($0.finalize()) },
                sha512: sha512.map { Array($0.finalize()) }
            )
        }
    }

    /// Closes and deletes whatever was written (after an error).
    func discard() async {
        _ = try? await R2FileIO.pool.runIfActive { [self] in
            if fd >= 0 {
                close(fd)
                fd = -1
            }
            unlink(temporaryPath)
            if done { unlink(finalPath) }
        }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporaryPath)
        }
    }
}

/// What a finished blob writer measured.
struct R2BlobDigests: Sendable {
    let blobID: String?
    let size: Int64
    let md5: [UInt8]
    let sha1: [UInt8]?
    let sha256: [UInt8]?
    let sha384: [UInt8]?
    let sha512: [UInt8]?
}

/// The digests a `put` may ask to verify.
enum R2DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    case md5 = "MD5", sha1 = "SHA-1", sha256 = "SHA-256", sha384 = "SHA-384", sha512 = "SHA-512"

    var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }
}
