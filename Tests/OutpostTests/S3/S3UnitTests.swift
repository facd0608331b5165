import Foundation
import HTTPTypes
import NIOCore
@testable import OutpostS3
import Testing

@Suite("S3 pieces: SigV4, aws-chunked, checksums, XML")
struct S3UnitTests {
    /// AWS's worked example for chunked uploads ("Signature calculation: transferring payload in multiple chunks").
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

    @Test("The seed signature of AWS's chunked-upload example")
    func seedSignature() throws {
        let credential = try SigV4.Credential(parsing: "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request")
        let headers: [String: String] = [
            "content-encoding": "aws-chunked", "content-length": "66824", "host": "s3.amazonaws.com",
            "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-date": "20130524T000000Z",
            "x-amz-decoded-content-length": "66560", "x-amz-storage-class": "REDUCED_REDUNDANCY",
        ]
        let canonical = SigV4.canonicalRequest(method: "PUT", path: "/examplebucket/chunkObject.txt", query: [],
                                               signedHeaders: headers.keys.sorted(), headerValues: { [headers[$0]!] },
                                               payloadHash: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        let key = SigV4.signingKey(secret: Self.secret, credential: credential)
        let sts = SigV4.stringToSign(amzDate: "20130524T000000Z", credential: credential, canonicalRequest: canonical)
        #expect(SigV4.signature(key: key, stringToSign: sts) == Self.seed)
    }

    func decode(_ body: [UInt8], _ e: S3PayloadExpectations, split: Int) throws -> ([UInt8], S3PayloadOutcome) {
        var decoder = S3PayloadDecoder(e)
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            var buffer = ByteBuffer(bytes: body[i..<min(i + split, body.count)])
            try decoder.feed(&buffer)
            while let b = decoder.takeOutput() { out += b.readableBytesView }
            i += split
        }
        let outcome = try decoder.finish()
        return (out, outcome)
    }

    @Test("AWS's chunk signatures verify, in any split of the input; a changed byte fails", arguments: [1, 7, 8192, 100_000])
    func chunkSignatures(split: Int) throws {
        let credential = try SigV4.Credential(parsing: "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request")
        let key = SigV4.signingKey(secret: Self.secret, credential: credential)
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: 66560)
        let sigs = ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]
        func frame(_ d: [UInt8]) -> [UInt8] {
            Array("10000;chunk-signature=\(sigs[0])\r\n".utf8) + d[0..<65536] + Array("\r\n400;chunk-signature=\(sigs[1])\r\n".utf8)
                + d[65536...] + Array("\r\n0;chunk-signature=\(sigs[2])\r\n\r\n".utf8)
        }
        let e = S3PayloadExpectations(mode: .streamingSigned(seed: Self.seed, key: key, credential: credential, amzDate: "20130524T000000Z", trailer: false), length: 66560)
        let (out, outcome) = try decode(frame(data), e, split: split)
        #expect(out == data)
        #expect(outcome.size == 66560)
        var changed = data
        changed[66000] = UInt8(ascii: "b")
        #expect(throws: S3Error.self) { try decode(frame(changed), e, split: split) }
    }

    @Test("Unsigned trailer: the CRC32 in the trailer is checked; a short body is IncompleteBody")
    func trailer() throws {
        let data = Array("hello world".utf8)
        var h = S3ChecksumAlgorithm.crc32.makeHasher()
        data.withUnsafeBytes { h.update($0) }
        let crc = h.final()
        let body = Array("b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:\(crc)\r\n\r\n".utf8)
        let e = S3PayloadExpectations(mode: .streamingUnsignedTrailer, length: 11, checksum: (.crc32, nil))
        let (out, outcome) = try decode(body, e, split: 3)
        #expect(out == data)
        #expect(outcome.checksum?.value == crc)
        let bad = Array("b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n".utf8)
        #expect(throws: S3Error.self) { try decode(bad, e, split: 5) }
        #expect(throws: S3Error.self) { try decode(Array("b\r\nhello".utf8), e, split: 5) }
    }

    @Test("Checksums match known values", arguments: [
        (S3ChecksumAlgorithm.crc32, "123456789", "y/Q5Jg=="),
        (.crc32c, "123456789", "4waSgw=="),
        (.sha1, "abc", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="),
        (.sha256, "abc", "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="),
    ])
    func checksums(algorithm: S3ChecksumAlgorithm, input: String, expected: String) {
        var h = algorithm.makeHasher()
        Array(input.utf8).withUnsafeBytes { h.update($0) }
        #expect(h.final() == expected)
    }

    @Test("XML: entities, CDATA, namespaces; malformed input is MalformedXML")
    func xml() throws {
        let doc = try S3XMLElement.parse(Array(#"<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;b&#x41;</Key></Object><Object><Key><![CDATA[<x>&]]></Key></Object></Delete>"#.utf8))
        #expect(doc.all("Object").compactMap { $0.child("Key")?.text } == ["a&bA", "<x>&"])
        for bad in ["<Delete>", "<a></b>", "", "<a>&bogus;</a>", "<a/><b/>"] {
            #expect(throws: S3Error.self) { try S3XMLElement.parse(Array(bad.utf8)) }
        }
    }

    @Test("Paths: percent-decoding, bucket and key; bad escapes and non-UTF-8 are InvalidURI")
    func paths() throws {
        let r = try S3Request(method: .get, target: "/b/dir/a%20b%2Bc?list-type=2&prefix=x%2Fy", host: "h", headers: [:])
        #expect(r.bucket == "b" && r.key == "dir/a b+c")
        #expect(r[query: "prefix"] == "x/y")
        #expect(SigV4.uriEncode("dir/a b+c", encodeSlash: false) == "dir/a%20b%2Bc")
        #expect(throws: S3Error.self) { try S3Request(method: .get, target: "/b/%FF", host: "h", headers: [:]) }
        #expect(throws: S3Error.self) { try S3Request(method: .get, target: "/b/%G1", host: "h", headers: [:]) }
        #expect(throws: S3Error.self) { try S3API.validate(key: "a/../b") }
        #expect(throws: S3Error.self) { try S3API.validate(key: String(repeating: "k", count: 1025)) }
    }
}
