import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// How a request's body is framed and signed (`x-amz-content-sha256`).
enum S3PayloadMode: Sendable {
    /// No payload hash to check.
    case unsigned
    /// The body's hex SHA-256, checked at its end.
    case signed(String)
    /// `aws-chunked` with a signature per chunk, seeded by the request's signature;
    /// `trailer` when a signed trailer follows the last chunk.
    case streamingSigned(seed: String, key: SymmetricKey, credential: SigV4.Credential, amzDate: String, trailer: Bool)
    /// `aws-chunked` without signatures, with trailing checksums.
    case streamingUnsignedTrailer
}

/// What a body must match, checked as it streams: the payload hash or chunk signatures, the
/// length, `Content-MD5` and an `x-amz-checksum-*` from a header or a trailer.
struct S3PayloadExpectations: Sendable {
    var mode: S3PayloadMode = .unsigned
    /// Content-Length, or x-amz-decoded-content-length for aws-chunked bodies.
    var length: Int?
    /// Base64 MD5 from Content-MD5.
    var contentMD5: String?
    /// The checksum to compute, and its expected base64 value when a header gave it (nil when a
    /// trailer will, or when only the algorithm was named).
    var checksum: (algorithm: S3ChecksumAlgorithm, expected: String?)?

    var isChunked: Bool {
        switch mode {
        case .streamingSigned, .streamingUnsignedTrailer: true
        default: false
        }
    }
}

/// What a body turned out to be, once fully read.
struct S3PayloadOutcome: Sendable {
    var size = 0
    /// The computed checksum (base64), when one was asked for.
    var checksum: (algorithm: S3ChecksumAlgorithm, value: String)?
}

/// Decodes and verifies a request body as it streams through. An error thrown here (a bad
/// chunk signature, a checksum mismatch, a short body) reaches the R2 writer before it commits,
/// so nothing is stored.
struct S3PayloadStream<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let expectations: S3PayloadExpectations
    let outcome: NIOLockedValueBox<S3PayloadOutcome>

    func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), decoder: S3PayloadDecoder(expectations), outcome: outcome)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var decoder: S3PayloadDecoder
        let outcome: NIOLockedValueBox<S3PayloadOutcome>
        var ended = false

        mutating func next() async throws -> ByteBuffer? {
            while true {
                if let out = decoder.takeOutput() { return out }
                if ended { return nil }
                if var chunk = try await base.next() {
                    try decoder.feed(&chunk)
                } else {
                    ended = true
                    let result = try decoder.finish()
                    outcome.withLockedValue { $0 = result }
                }
            }
        }
    }
}

/// The state machine behind `S3PayloadStream`: plain or aws-chunked framing, hashing as it goes.
struct S3PayloadDecoder {
    let expectations: S3PayloadExpectations
    private var output: [ByteBuffer] = []
    private var size = 0
    private var md5: Insecure.MD5?
    private var payloadSHA: SHA256?
    private var checksum: S3ChecksumHasher?
    private var trailerChecksums: [String: String] = [:]

    private enum Framing {
        case plain
        case chunkHeader([UInt8])
        case chunkData(remaining: Int, signature: String?)
        case chunkEnd([UInt8], signature: String?)
        case trailer([UInt8])
        case done
    }
    private var framing: Framing
    private var chunkSHA = SHA256()
    private var previousSignature = ""
    private var lastChunkSeen = false

    init(_ e: S3PayloadExpectations) {
        expectations = e
        framing = e.isChunked ? .chunkHeader([]) : .plain
        if e.contentMD5 != nil { md5 = Insecure.MD5() }
        if case .signed = e.mode { payloadSHA = SHA256() }
        if case .streamingSigned(let seed, _, _, _, _) = e.mode { previousSignature = seed }
        checksum = e.checksum.map { $0.algorithm.makeHasher() }
    }

    mutating func takeOutput() -> ByteBuffer? {
        output.isEmpty ? nil : output.removeFirst()
    }

    private mutating func emit(_ data: ByteBuffer) {
        guard data.readableBytes > 0 else { return }
        data.withUnsafeReadableBytes { raw in
            md5?.update(bufferPointer: raw)
            payloadSHA?.update(bufferPointer: raw)
            checksum?.update(raw)
        }
        size += data.readableBytes
        if let length = expectations.length, size > length {
            // More than announced: refuse rather than store a different object.
            output.append(data)
            return
        }
        output.append(data)
    }

    static let maxLine = 16 * 1024

    mutating func feed(_ buffer: inout ByteBuffer) throws {
        while buffer.readableBytes > 0 {
            switch framing {
            case .plain:
                emit(buffer.readSlice(length: buffer.readableBytes)!)
                if let length = expectations.length, size > length { throw S3Error.incompleteBody }
            case .chunkHeader(var line):
                guard let lineDone = Self.readLine(&buffer, into: &line) else {
                    guard line.count <= Self.maxLine else { throw Self.badChunk("chunk header too long") }
                    framing = .chunkHeader(line)
                    continue
                }
                _ = lineDone
                try startChunk(String(decoding: line, as: UTF8.self))
            case .chunkData(let remaining, let signature):
                let n = min(remaining, buffer.readableBytes)
                let slice = buffer.readSlice(length: n)!
                if signature != nil { slice.withUnsafeReadableBytes { chunkSHA.update(bufferPointer: $0) } }
                emit(slice)
                framing = remaining - n == 0 ? .chunkEnd([], signature: signature) : .chunkData(remaining: remaining - n, signature: signature)
            case .chunkEnd(var line, let signature):
                guard Self.readLine(&buffer, into: &line) != nil else {
                    guard line.count <= 2 else { throw Self.badChunk("chunk data longer than its size") }
                    framing = .chunkEnd(line, signature: signature)
                    continue
                }
                guard line.isEmpty else { throw Self.badChunk("chunk data longer than its size") }
                try verifyChunk(signature)
                framing = .chunkHeader([])
            case .trailer(var line):
                guard Self.readLine(&buffer, into: &line) != nil else {
                    guard line.count <= Self.maxLine else { throw Self.badChunk("trailer too long") }
                    framing = .trailer(line)
                    continue
                }
                if line.isEmpty {
                    framing = .done
                } else {
                    try trailerLine(String(decoding: line, as: UTF8.self))
                    framing = .trailer([])
                }
            case .done:
                // Anything after the final CRLF is ignored, as S3 does with stray bytes.
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
        }
    }

    /// Reads up to CRLF (consumed, not stored) into `line`; nil if more input is needed.
    private static func readLine(_ buffer: inout ByteBuffer, into line: inout [UInt8]) -> Bool? {
        while let byte = buffer.readInteger(as: UInt8.self) {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return true
            }
            line.append(byte)
            if line.count > maxLine + 2 { return nil }
        }
        return nil
    }

    private static func badChunk(_ why: String) -> S3Error {
        S3Error("IncompleteBody", 400, "The aws-chunked body is malformed: \(why).")
    }

    private mutating func startChunk(_ header: String) throws {
        let fields = header.split(separator: ";", maxSplits: 1)
        guard let sizeText = fields.first, let n = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), n >= 0, n <= 1 << 34 else {
            throw Self.badChunk("bad chunk size \"\(header.prefix(40))\"")
        }
        var signature: String?
        if case .streamingSigned = expectations.mode {
            guard fields.count == 2, fields[1].hasPrefix("chunk-signature=") else {
                throw S3Error.signatureDoesNotMatch()
            }
            signature = String(fields[1].dropFirst("chunk-signature=".count))
        }
        chunkSHA = SHA256()
        if n == 0 {
            try verifyChunk(signature)
            lastChunkSeen = true
            framing = .trailer([])
        } else {
            framing = .chunkData(remaining: n, signature: signature)
        }
    }

    private mutating func verifyChunk(_ signature: String?) throws {
        guard let signature, case .streamingSigned(_, let key, let credential, let amzDate, _) = expectations.mode else { return }
        let hash = SigV4.hex(chunkSHA.finalize())
        let expected = SigV4.signature(key: key, stringToSign: SigV4.chunkStringToSign(amzDate: amzDate, credential: credential, previousSignature: previousSignature, chunkSHA256: hash))
        guard SigV4.equal(expected, signature) else { throw S3Error.signatureDoesNotMatch() }
        previousSignature = signature
    }

    private mutating func trailerLine(_ line: String) throws {
        guard let colon = line.firstIndex(of: ":") else { throw Self.badChunk("bad trailer line") }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if name == "x-amz-trailer-signature" {
            guard case .streamingSigned(_, let key, let credential, let amzDate, _) = expectations.mode else { return }
            let trailerText = trailerChecksums.map { "\($0.key):\($0.value)\n" }.sorted().joined()
            let expected = SigV4.signature(key: key, stringToSign: SigV4.trailerStringToSign(
                amzDate: amzDate, credential: credential, previousSignature: previousSignature, trailerSHA256: SigV4.sha256Hex(trailerText)))
            guard SigV4.equal(expected, value) else { throw S3Error.signatureDoesNotMatch() }
            return
        }
        trailerChecksums[name] = value
    }

    /// Called at the end of the input: checks what only the end can tell.
    mutating func finish() throws -> S3PayloadOutcome {
        switch framing {
        case .plain: break
        case .trailer where lastChunkSeen: break  // A trailer section ended by the stream's end is fine.
        case .done: break
        default: throw S3Error.incompleteBody
        }
        if let length = expectations.length, size != length { throw S3Error.incompleteBody }
        if case .signed(let hash) = expectations.mode, let sha = payloadSHA {
            guard SigV4.hex(sha.finalize()) == hash.lowercased() else {
                throw S3Error("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.")
            }
        }
        if let expected = expectations.contentMD5, let md5 {
            guard Data(md5.finalize()).base64EncodedString() == expected else { throw S3Error.badDigest("Content-MD5") }
        }
        var outcome = S3PayloadOutcome(size: size)
        if let checksum {
            let value = checksum.final()
            let expected = expectations.checksum?.expected ?? trailerChecksums[checksum.algorithm.headerName]
            if let expected, expected != value {
                throw S3Error.badDigest("\(checksum.algorithm.headerName)")
            }
            outcome.checksum = (checksum.algorithm, value)
        }
        return outcome
    }
}
