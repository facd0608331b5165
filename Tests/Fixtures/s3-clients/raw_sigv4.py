"""An independent SigV4 client (hashlib/hmac only) for the payload forms boto3 uses only over
HTTPS: aws-chunked with chunk signatures, aws-chunked with an unsigned trailer checksum; plus
CRC32C in a header, and a body cut off mid-way. argv: endpoint, access key id, secret, bucket.
"""
import base64
import datetime
import hashlib
import hmac
import socket
import sys
import urllib.parse
import zlib

endpoint, key_id, secret, bucket = sys.argv[1:5]
host_port = urllib.parse.urlparse(endpoint).netloc
host, port = host_port.split(":")
failures = []


def sha(b):
    return hashlib.sha256(b).hexdigest()


def sign_key(date):
    k = ("AWS4" + secret).encode()
    for part in [date, "auto", "s3", "aws4_request"]:
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def authorize(method, path, headers, payload_hash, query=""):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz[:8]
    headers = dict(headers, **{"host": host_port, "x-amz-date": amz, "x-amz-content-sha256": payload_hash})
    names = sorted(h.lower() for h in headers)
    canonical_headers = "".join("%s:%s\n" % (n, str(headers[n]).strip()) for n in names)
    canonical = "\n".join([method, urllib.parse.quote(path, safe="/~"), query, canonical_headers, ";".join(names), payload_hash])
    scope = "%s/auto/s3/aws4_request" % date
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, sha(canonical.encode())])
    key = sign_key(date)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (key_id, scope, ";".join(names), signature)
    return headers, key, amz, scope, signature


def send(method, path, headers, body, close_early=False, query=""):
    s = socket.create_connection((host, int(port)))
    head = "%s %s%s HTTP/1.1\r\n" % (method, urllib.parse.quote(path, safe="/~"), "?" + query if query else "") + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    s.sendall(head.encode() + body)
    if close_early:
        s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data:
            header, _, rest = data.partition(b"\r\n\r\n")
            length = [int(l.split(b":")[1]) for l in header.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if length and len(rest) >= length[0]:
                break
    s.close()
    status = int(data.split(b" ")[1]) if data else 0
    return status, data


def get(key):
    headers, *_ = authorize("GET", "/%s/%s" % (bucket, key), {}, sha(b""))
    return send("GET", "/%s/%s" % (bucket, key), headers, b"")


def body_of(response):
    return response[1].partition(b"\r\n\r\n")[2]


def check(name, ok, detail=""):
    print(("ok " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:300]), flush=True)
    if not ok:
        failures.append(name)


data = bytes(range(256)) * 600  # 153600 bytes: chunks of 64 KiB, 64 KiB, 20 KiB

# STREAMING-AWS4-HMAC-SHA256-PAYLOAD
def signed_chunks(data, key, amz, scope, seed, corrupt=False):
    out, prev = b"", seed
    pieces = [data[i:i + 65536] for i in range(0, len(data), 65536)] + [b""]
    for i, piece in enumerate(pieces):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz, scope, prev, sha(b""), sha(piece)])
        sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if corrupt and i == 1:
            sig = "0" * 64
        out += b"%x;chunk-signature=%s\r\n" % (len(piece), sig.encode()) + piece + b"\r\n"
        prev = sig
    return out


for corrupt in [False, True]:
    key_name = "raw/signed-chunks" + ("-bad" if corrupt else "")
    path = "/%s/%s" % (bucket, key_name)
    base = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    # Content-Length depends only on sizes, so sign once with a placeholder-free length.
    framed_len = len(signed_chunks(data, b"k", "a", "s", "p"))
    headers, key, amz, scope, seed = authorize("PUT", path, dict(base, **{"content-length": str(framed_len)}), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    body = signed_chunks(data, key, amz, scope, seed, corrupt)
    status, response = send("PUT", path, headers, body)
    if corrupt:
        check("signed-chunks-bad-signature", status == 403 and b"SignatureDoesNotMatch" in response, response)
        check("signed-chunks-bad-stores-nothing", get(key_name)[0] == 404)
    else:
        check("signed-chunks", status == 200, response)
        check("signed-chunks-roundtrip", body_of(get(key_name)) == data)

# STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer
for wrong in [False, True]:
    key_name = "raw/trailer" + ("-bad" if wrong else "")
    path = "/%s/%s" % (bucket, key_name)
    crc = zlib.crc32(data) ^ (1 if wrong else 0)
    trailer = "x-amz-checksum-crc32:%s" % base64.b64encode(crc.to_bytes(4, "big")).decode()
    body = b"".join(b"%x\r\n" % len(data[i:i + 50000]) + data[i:i + 50000] + b"\r\n" for i in range(0, len(data), 50000))
    body += b"0\r\n" + trailer.encode() + b"\r\n\r\n"
    headers, *_ = authorize("PUT", path, {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
                                          "x-amz-trailer": "x-amz-checksum-crc32", "content-length": str(len(body))}, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    status, response = send("PUT", path, headers, body)
    if wrong:
        check("trailer-bad-checksum", status == 400 and b"BadDigest" in response, response)
        check("trailer-bad-stores-nothing", get(key_name)[0] == 404)
    else:
        check("trailer", status == 200 and ("x-amz-checksum-crc32: " + trailer.split(":")[1]).encode() in response, response)
        check("trailer-roundtrip", body_of(get(key_name)) == data)


# CRC32C in a header (Castagnoli, bitwise here).
def crc32c(b):
    c = 0xFFFFFFFF
    for byte in b:
        c ^= byte
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    return c ^ 0xFFFFFFFF


small = b"The quick brown fox jumps over the lazy dog" * 10
for wrong in [False, True]:
    value = base64.b64encode((crc32c(small) ^ (1 if wrong else 0)).to_bytes(4, "big")).decode()
    path = "/%s/raw/crc32c" % bucket
    headers, *_ = authorize("PUT", path, {"content-length": str(len(small)), "x-amz-checksum-crc32c": value}, sha(small))
    status, response = send("PUT", path, headers, small)
    check("crc32c" + ("-bad" if wrong else ""), (status == 400 and b"BadDigest" in response) if wrong else status == 200, response)

# A body cut off mid-way stores nothing.
path = "/%s/raw/truncated" % bucket
headers, *_ = authorize("PUT", path, {"content-length": str(len(data))}, "UNSIGNED-PAYLOAD")
send("PUT", path, headers, data[:len(data) // 2], close_early=True)
check("truncated-stores-nothing", get("raw/truncated")[0] == 404)

# Clock skew beyond 15 minutes.
path = "/%s/raw/skew" % bucket
headers, *_ = authorize("GET", path, {}, sha(b""))
old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=16)).strftime("%Y%m%dT%H%M%SZ")
headers["x-amz-date"] = old
status, response = send("GET", path, headers, b"")
check("request-time-too-skewed", status == 403 and b"RequestTimeTooSkewed" in response, response)

# Malformed XML, and XML that is not a Delete.
for name, bad_xml in [("malformed-xml", b"<Delete><Object><Key>a</Key></Object"), ("wrong-root-xml", b"<Nope/>")]:
    path = "/%s" % bucket
    headers, *_ = authorize("POST", path, {"content-length": str(len(bad_xml))}, sha(bad_xml), query="delete=")
    status, response = send("POST", path, headers, bad_xml, query="delete=")
    check(name, status == 400 and b"MalformedXML" in response, response)

# Odd bytes in keys: not UTF-8, a NUL; and a bucket name that tries to leave r2/.
for name, raw_path, code in [("non-utf8-key", "/%s/bad%%FFkey" % bucket, b"InvalidURI"), ("nul-key", "/%s/a%%00b" % bucket, b"InvalidObjectName"),
                             ("dotdot-bucket", "/../etc/passwd", b"NoSuchBucket"), ("dotdot-key", "/%s/../../x" % bucket, b"InvalidObjectName")]:
    s_ = socket.create_connection((host, int(port)))
    headers, *_ = authorize("GET", urllib.parse.unquote(raw_path, errors="replace"), {}, sha(b""))
    s_.sendall(("GET %s HTTP/1.1\r\n" % raw_path + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n").encode())
    response = s_.recv(65536)
    s_.close()
    check(name, code in response and b" 500 " not in response.split(b"\r\n")[0], response)

print("done", len(failures), "failures", flush=True)
sys.exit(1 if failures else 0)
