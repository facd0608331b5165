public import Outpost
import Foundation

/// What the orchestrator streams to an operation whose input is `.userDataset`: the request body,
/// one JSON object per line, in `UserDataset`'s order —
///
/// 1. `{"kind":"user","userId","generatedAt"}` (milliseconds since the epoch);
/// 2. per job: `{"kind":"job","job":{…}}` (the record as `GET /api/containers/jobs/{id}` shows it,
///    plus `owner`), then `{"kind":"kv","namespace","key","value"}` for its KV entry when present;
/// 3. `{"kind":"apiKey","name","role","createdAt"}` per API key (never its hash), then
///    `{"kind":"record","path","value"}` per code deployment and stored pitch;
/// 4. per object (uploads, then job outputs): `{"kind":"object","key","size","etag","contentType","job"}`
///    and, right after its newline, exactly `size` bytes of the object (streamed from R2, never
///    held whole);
/// 5. `{"kind":"end","jobs","objects","bytes"}`: the stream is complete (one without it is truncated).
///
/// A `.userListing` is the same lines without the objects' bytes (`objectBytes` false). An export
/// (`objectBytes` true) leaves out the outputs of earlier exports: their records are in it, their
/// ZIPs (copies of everything else) are not.
public enum UserDatasetStream {
    /// The body for `userId`, produced as the service reads it.
    public static func body(userId: String, objectBytes: Bool = true, env: Env) -> Body {
        Body { writer in
            let media = try env.r2(PlatformBindings.media)
            let statusKV = try? env.kv(PlatformBindings.jobStatus)
            await writer.write(line(["kind": "user", "userId": .string(userId), "generatedAt": .number(Double(PlatformTime.now()))]))
            var (jobs, objects, bytes) = (0, 0, 0)
            try await UserDataset.forEach(userId: userId, env: env, skippingExports: objectBytes) { item in
                switch item {
                case .job(let job):
                    jobs += 1
                    await writer.write(line(["kind": "job", "job": job.cacheJSON]))
                case .kvEntry(let namespace, let key):
                    let kv = namespace == PlatformBindings.jobStatus ? statusKV : try? env.kv(namespace)
                    guard let value = try await kv?.get(key) else { return }
                    await writer.write(line(["kind": "kv", "namespace": .string(namespace), "key": .string(key), "value": .string(value)]))
                case .apiKey(let key, _):
                    await writer.write(line(["kind": "apiKey", "name": .string(key.name), "role": .string(key.role),
                                             "createdAt": .number(Double(key.createdAt))]))
                case .record(let path, let value):
                    await writer.write(line(["kind": "record", "path": .string(path), "value": value]))
                case .object(let listed, let job) where !objectBytes:
                    objects += 1
                    bytes += listed.size
                    await writer.write(objectLine(listed, job: job))
                case .object(let listed, let job):
                    // The line states the size of the bytes that follow: the object as read now.
                    guard let object = try await media.get(listed.key) else { return }
                    objects += 1
                    bytes += object.object.size
                    await writer.write(objectLine(object.object, job: job))
                    var sent = 0
                    for try await chunk in object.body {
                        sent += chunk.readableBytes
                        await writer.write(chunk)
                    }
                    guard sent == object.object.size else {
                        throw UserDatasetError("The object \(object.object.key) gave \(sent) bytes, not its \(object.object.size).")
                    }
                }
            }
            await writer.write(line(["kind": "end", "jobs": .number(Double(jobs)), "objects": .number(Double(objects)), "bytes": .number(Double(bytes))]))
        }
    }

    static func objectLine(_ object: R2Object, job: String?) -> String {
        line([
            "kind": "object", "key": .string(object.key), "size": .number(Double(object.size)), "etag": .string(object.etag),
            "contentType": .string(object.httpMetadata.contentType ?? "application/octet-stream"),
            "job": job.map { .string($0) } ?? .null,
        ])
    }

    static func line(_ fields: [String: JSONValue]) -> String {
        JSONValue.object(fields).serialized() + "\n"
    }
}

/// A user dataset that could not be produced whole.
struct UserDatasetError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
