"""put|get one object with boto3. argv: endpoint key-id secret put|get bucket key file."""
import sys

import boto3
from botocore.client import Config

endpoint, key_id, secret, op, bucket, key, path = sys.argv[1:8]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                  region_name="auto", config=Config(signature_version="s3v4"))
if op == "put":
    with open(path, "rb") as f:
        print(s3.put_object(Bucket=bucket, Key=key, Body=f.read())["ETag"])
else:
    with open(path, "wb") as f:
        f.write(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
