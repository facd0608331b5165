"""boto3 against outpost's S3 endpoint. argv: endpoint, access key id, secret, read-only key id, read-only secret,
key id and secret of a key scoped to the bucket "boto-bucket".

Prints one line per check ("ok NAME" or "FAIL NAME: why") and exits non-zero on any failure.
"""
import hashlib
import io
import os
import subprocess
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import Config
from botocore.exceptions import ClientError

endpoint, key_id, secret, ro_id, ro_secret, scoped_id, scoped_secret = sys.argv[1:8]
only = set(sys.argv[8].split(",")) if len(sys.argv) > 8 and sys.argv[8] else None


def client(kid=key_id, sec=secret, **cfg):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=kid, aws_secret_access_key=sec,
                        region_name="auto", config=Config(signature_version="s3v4", retries={"max_attempts": 1}, **cfg))


s3 = client()
failures = []


def check(name):
    def wrap(fn):
        if only and name not in only:
            return fn
        try:
            fn()
            print("ok", name, flush=True)
        except Exception as e:  # noqa: BLE001
            failures.append(name)
            print("FAIL", name + ":", repr(e), flush=True)
        return fn
    return wrap


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


bucket = "boto-bucket"


@check("buckets")
def _():
    s3.create_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert bucket in names, names
    s3.head_bucket(Bucket=bucket)
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "auto"
    assert error_code(lambda: s3.head_bucket(Bucket="no-such-bucket")) == "404"
    assert error_code(lambda: s3.list_objects_v2(Bucket="no-such-bucket")) == "NoSuchBucket"
    s3.create_bucket(Bucket="tmp-bucket")
    s3.put_object(Bucket="tmp-bucket", Key="x", Body=b"x")
    assert error_code(lambda: s3.delete_bucket(Bucket="tmp-bucket")) == "BucketNotEmpty"
    s3.delete_object(Bucket="tmp-bucket", Key="x")
    s3.delete_bucket(Bucket="tmp-bucket")
    assert "tmp-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@check("put-get-head")
def _():
    body = os.urandom(300_000)
    r = s3.put_object(Bucket=bucket, Key="dir/one.bin", Body=body, ContentType="application/x-test", Metadata={"colour": "blue"})
    assert r["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), r["ETag"]
    got = s3.get_object(Bucket=bucket, Key="dir/one.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"colour": "blue"}, got["Metadata"]
    head = s3.head_object(Bucket=bucket, Key="dir/one.bin")
    assert head["ContentLength"] == len(body)
    part = s3.get_object(Bucket=bucket, Key="dir/one.bin", Range="bytes=10-19")
    assert part["Body"].read() == body[10:20] and part["ContentRange"] == "bytes 10-19/%d" % len(body)
    assert s3.get_object(Bucket=bucket, Key="dir/one.bin", Range="bytes=-5")["Body"].read() == body[-5:]
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="dir/one.bin", Range="bytes=999999999-")) == "InvalidRange"
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="missing")) == "NoSuchKey"
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="dir/one.bin", IfMatch='"nope"')) == "PreconditionFailed"
    assert error_code(lambda: s3.get_object(Bucket=bucket, Key="dir/one.bin", IfNoneMatch=r["ETag"])) == "304"
    assert error_code(lambda: s3.put_object(Bucket=bucket, Key="dir/one.bin", Body=b"x", IfNoneMatch="*")) == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert s3.get_object(Bucket=bucket, Key="empty")["Body"].read() == b""


@check("checksums")
def _():
    for algorithm in ["CRC32", "SHA1", "SHA256"]:
        body = os.urandom(100_000)
        r = s3.put_object(Bucket=bucket, Key="sum/" + algorithm, Body=body, ChecksumAlgorithm=algorithm)
        assert ("Checksum" + algorithm) in r, r
        assert s3.get_object(Bucket=bucket, Key="sum/" + algorithm)["Body"].read() == body
    import base64
    bad = base64.b64encode(b"\0" * 32).decode()
    assert error_code(lambda: s3.put_object(Bucket=bucket, Key="sum/bad", Body=b"abc", ChecksumSHA256=bad)) == "BadDigest"
    md5 = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
    s3.put_object(Bucket=bucket, Key="sum/md5", Body=b"abc", ContentMD5=md5)
    assert error_code(lambda: s3.put_object(Bucket=bucket, Key="sum/md5", Body=b"abd", ContentMD5=md5)) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="sum/md5")["Body"].read() == b"abc"


@check("list-pagination")
def _():
    keys = ["page/%04d" % i for i in range(1100)] + ["page/sub/%d" % i for i in range(5)] + ["page/odd key+plus&amp"]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), keys))
    seen = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="page/"):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == sorted(keys), (len(seen), len(keys))
    seen1 = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 300}):
        seen1 += [o["Key"] for o in page.get("Contents", [])]
    assert seen1 == sorted(keys), (len(seen1), len(keys))
    d = s3.list_objects_v2(Bucket=bucket, Prefix="page/", Delimiter="/", MaxKeys=1000)
    assert d["IsTruncated"], d["KeyCount"]
    prefixes, contents = [], []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="page/", Delimiter="/"):
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        contents += [o["Key"] for o in page.get("Contents", [])]
    assert prefixes == ["page/sub/"], prefixes
    assert len(contents) == 1101, len(contents)
    after = s3.list_objects_v2(Bucket=bucket, Prefix="page/", StartAfter="page/1098")
    assert [o["Key"] for o in after["Contents"]][:2] == ["page/1099", "page/odd key+plus&amp"], after["Contents"][:2]
    assert s3.list_objects_v2(Bucket=bucket, MaxKeys=0)["KeyCount"] == 0


@check("copy")
def _():
    s3.put_object(Bucket=bucket, Key="copy/src", Body=b"copy me", ContentType="text/x-src", Metadata={"a": "1"})
    s3.copy_object(Bucket=bucket, Key="copy/dst", CopySource={"Bucket": bucket, "Key": "copy/src"})
    dst = s3.get_object(Bucket=bucket, Key="copy/dst")
    assert dst["Body"].read() == b"copy me" and dst["Metadata"] == {"a": "1"} and dst["ContentType"] == "text/x-src"
    s3.copy_object(Bucket=bucket, Key="copy/dst2", CopySource={"Bucket": bucket, "Key": "copy/src"}, MetadataDirective="REPLACE",
                   Metadata={"b": "2"}, ContentType="text/x-new")
    dst2 = s3.head_object(Bucket=bucket, Key="copy/dst2")
    assert dst2["Metadata"] == {"b": "2"} and dst2["ContentType"] == "text/x-new", dst2
    assert error_code(lambda: s3.copy_object(Bucket=bucket, Key="copy/dst3", CopySource={"Bucket": bucket, "Key": "copy/src"},
                                             CopySourceIfMatch='"nope"')) == "PreconditionFailed"
    assert error_code(lambda: s3.copy_object(Bucket=bucket, Key="copy/dst3", CopySource={"Bucket": bucket, "Key": "copy/none"})) == "NoSuchKey"


@check("delete-objects")
def _():
    keys = ["del/%d" % i for i in range(50)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys] + [{"Key": "del/missing"}]})
    assert len(r["Deleted"]) == 51, r
    assert s3.list_objects_v2(Bucket=bucket, Prefix="del/")["KeyCount"] == 0
    too_many = {"Objects": [{"Key": "k%d" % i} for i in range(1001)]}
    assert error_code(lambda: s3.delete_objects(Bucket=bucket, Delete=too_many)) == "MalformedXML"


@check("multipart-100MiB")
def _():
    data = os.urandom(100 * 1024 * 1024)
    cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4)
    s3.upload_fileobj(io.BytesIO(data), bucket, "big/100MiB.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="big/100MiB.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-13"'), head["ETag"]
    out = io.BytesIO()
    s3.download_fileobj(bucket, "big/100MiB.bin", out, Config=cfg)
    assert hashlib.sha256(out.getvalue()).digest() == hashlib.sha256(data).digest()


@check("multipart-rules")
def _():
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp/rules")["UploadId"]
    p1 = s3.upload_part(Bucket=bucket, Key="mp/rules", UploadId=up, PartNumber=1, Body=b"a" * 1024)
    p2 = s3.upload_part(Bucket=bucket, Key="mp/rules", UploadId=up, PartNumber=2, Body=b"b" * 1024)
    parts = s3.list_parts(Bucket=bucket, Key="mp/rules", UploadId=up)["Parts"]
    assert [p["PartNumber"] for p in parts] == [1, 2]
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix="mp/")["Uploads"]
    assert [u["UploadId"] for u in uploads] == [up], uploads
    e1 = {"PartNumber": 1, "ETag": p1["ETag"]}
    e2 = {"PartNumber": 2, "ETag": p2["ETag"]}
    assert error_code(lambda: s3.complete_multipart_upload(Bucket=bucket, Key="mp/rules", UploadId=up, MultipartUpload={"Parts": [e1, e2]})) == "EntityTooSmall"
    assert error_code(lambda: s3.complete_multipart_upload(Bucket=bucket, Key="mp/rules", UploadId=up, MultipartUpload={"Parts": [e2, e1]})) == "InvalidPartOrder"
    assert error_code(lambda: s3.complete_multipart_upload(Bucket=bucket, Key="mp/rules", UploadId=up,
                                                           MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})) == "InvalidPart"
    s3.abort_multipart_upload(Bucket=bucket, Key="mp/rules", UploadId=up)
    assert error_code(lambda: s3.list_parts(Bucket=bucket, Key="mp/rules", UploadId=up)) == "NoSuchUpload"
    # UploadPartCopy: a 5 MiB part copied from an object, then a small last part.
    src = os.urandom(6 * 1024 * 1024)
    s3.put_object(Bucket=bucket, Key="mp/src", Body=src)
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp/copied")["UploadId"]
    c1 = s3.upload_part_copy(Bucket=bucket, Key="mp/copied", UploadId=up, PartNumber=1, CopySource={"Bucket": bucket, "Key": "mp/src"},
                             CopySourceRange="bytes=0-%d" % (5 * 1024 * 1024 - 1))
    p2 = s3.upload_part(Bucket=bucket, Key="mp/copied", UploadId=up, PartNumber=2, Body=b"tail")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp/copied", UploadId=up, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": c1["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="mp/copied")["Body"].read() == src[:5 * 1024 * 1024] + b"tail"


@check("presigned")
def _():
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pre/curl.txt"}, ExpiresIn=300)
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "--data-binary", "from curl", put_url],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "200", out
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/curl.txt"}, ExpiresIn=2)
    got = subprocess.run(["curl", "-sS", "-f", get_url], capture_output=True, text=True, check=True)
    assert got.stdout == "from curl", got
    head_url = s3.generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": "pre/curl.txt"}, ExpiresIn=60)
    assert subprocess.run(["curl", "-sS", "-I", "-o", "/dev/null", "-w", "%{http_code}", head_url], capture_output=True, text=True).stdout == "200"
    # Wait for the 2 s expiry to pass (an event in time, not a guess).
    deadline = time.time() + 4
    while time.time() < deadline:
        time.sleep(0.25)
    expired = subprocess.run(["curl", "-sS", get_url], capture_output=True, text=True)
    assert "<Code>AccessDenied</Code>" in expired.stdout and "expired" in expired.stdout, expired.stdout
    fresh = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/curl.txt"}, ExpiresIn=60)
    tampered = fresh.replace("pre/curl.txt", "pre/other.txt")
    assert "<Code>SignatureDoesNotMatch</Code>" in subprocess.run(["curl", "-sS", tampered], capture_output=True, text=True).stdout
    too_long = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/curl.txt"}, ExpiresIn=604801)
    assert "AuthorizationQueryParametersError" in subprocess.run(["curl", "-sS", too_long], capture_output=True, text=True).stdout
    del_url = s3.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": "pre/curl.txt"}, ExpiresIn=60)
    assert subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", del_url], capture_output=True, text=True).stdout == "204"
    assert error_code(lambda: s3.head_object(Bucket=bucket, Key="pre/curl.txt")) == "404"


@check("auth")
def _():
    wrong = client(key_id, "0" * 64)
    assert error_code(lambda: wrong.put_object(Bucket=bucket, Key="auth/x", Body=b"x")) == "SignatureDoesNotMatch"
    assert error_code(lambda: wrong.list_buckets()) == "SignatureDoesNotMatch"
    unknown = client("f" * 32, secret)
    assert error_code(lambda: unknown.list_buckets()) == "InvalidAccessKeyId"
    ro = client(ro_id, ro_secret)
    assert error_code(lambda: ro.put_object(Bucket=bucket, Key="auth/ro", Body=b"x")) == "AccessDenied"
    assert error_code(lambda: ro.delete_object(Bucket=bucket, Key="dir/one.bin")) == "AccessDenied"
    assert ro.get_object(Bucket=bucket, Key="dir/one.bin")["ContentLength"] == 300_000
    import urllib.request
    try:
        urllib.request.urlopen(endpoint + "/" + bucket + "/dir/one.bin")
        raise AssertionError("anonymous GET allowed")
    except urllib.error.HTTPError as e:
        assert e.code == 403 and b"AccessDenied" in e.read()


@check("bucket-scoped-key")
def _():
    s3.create_bucket(Bucket="other-bucket")
    s3.put_object(Bucket="other-bucket", Key="secret", Body=b"x")
    scoped = client(scoped_id, scoped_secret)
    assert [b["Name"] for b in scoped.list_buckets()["Buckets"]] == [bucket]
    scoped.put_object(Bucket=bucket, Key="scoped/ok", Body=b"ok")
    assert scoped.get_object(Bucket=bucket, Key="scoped/ok")["Body"].read() == b"ok"
    assert error_code(lambda: scoped.get_object(Bucket="other-bucket", Key="secret")) == "AccessDenied"
    assert error_code(lambda: scoped.list_objects_v2(Bucket="other-bucket")) == "AccessDenied"
    assert error_code(lambda: scoped.copy_object(Bucket=bucket, Key="scoped/stolen", CopySource={"Bucket": "other-bucket", "Key": "secret"})) == "AccessDenied"


@check("not-implemented")
def _():
    assert error_code(lambda: s3.get_object_tagging(Bucket=bucket, Key="dir/one.bin")) == "NotImplemented"
    assert error_code(lambda: s3.get_bucket_policy(Bucket=bucket)) == "NotImplemented"
    assert error_code(lambda: s3.put_object_acl(Bucket=bucket, Key="dir/one.bin", ACL="public-read")) == "NotImplemented"


@check("bad-keys")
def _():
    import urllib.request
    for key in ["a/../b", "..", "nul\0key", "k" * 1025]:
        code = error_code(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"x"))
        assert code in ("InvalidObjectName", "KeyTooLongError", "InvalidURI"), (key[:20], code)
    assert not os.path.exists(os.path.join(os.path.dirname(endpoint), "b"))


@check("cors")
def _():
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://app.example"], "AllowedMethods": ["PUT", "GET"], "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["https://app.example"], rules
    ok = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", "OPTIONS", endpoint + "/" + bucket + "/upload.bin",
                         "-H", "Origin: https://app.example", "-H", "Access-Control-Request-Method: PUT",
                         "-H", "Access-Control-Request-Headers: content-type"], capture_output=True, text=True).stdout.lower()
    assert " 200" in ok.splitlines()[0] and "access-control-allow-origin: https://app.example" in ok, ok
    no = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "OPTIONS", endpoint + "/" + bucket + "/upload.bin",
                         "-H", "Origin: https://evil.example", "-H", "Access-Control-Request-Method: PUT"], capture_output=True, text=True).stdout
    assert no == "403", no


print("done", len(failures), "failures", flush=True)
sys.exit(1 if failures else 0)
