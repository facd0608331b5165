#!/bin/bash
# aws-cli against outpost's S3 endpoint. Args: endpoint bucket work-dir read-only-key-id read-only-secret.
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY come from the environment. Exits non-zero on the first failure.
set -euo pipefail
endpoint=$1 bucket=$2 work=$3 ro_id=$4 ro_secret=$5
export AWS_DEFAULT_REGION=auto AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws() { command aws --endpoint-url "$endpoint" "$@"; }
fail() { echo "FAIL $*"; exit 1; }

aws s3 mb "s3://$bucket" >/dev/null
[[ "$(aws s3 ls)" == *" $bucket"* ]] || fail "mb/ls"
echo "ok mb-ls"

tree=$work/tree down=$work/down
mkdir -p "$tree/a/b" "$tree/with space" "$down"
head -c 20000000 /dev/urandom > "$tree/a/big.bin"      # multipart (8 MiB parts)
head -c 1000 /dev/urandom > "$tree/a/b/small.bin"
: > "$tree/a/empty"
echo "plus+and&amp" > "$tree/with space/odd+name & more.txt"
for i in $(seq 1 30); do echo "file $i" > "$tree/a/b/f$i.txt"; done

aws s3 sync "$tree" "s3://$bucket/tree/" >/dev/null
aws s3 sync "s3://$bucket/tree/" "$down" >/dev/null
diff -r "$tree" "$down" || fail "sync both ways differs"
echo "ok sync-both-ways"

echo "changed" > "$tree/a/b/f3.txt"
rm "$tree/a/b/f4.txt"
aws s3 sync --delete "$tree" "s3://$bucket/tree/" >/dev/null
aws s3 sync --delete "s3://$bucket/tree/" "$down" >/dev/null
diff -r "$tree" "$down" || fail "re-sync differs"
echo "ok sync-changes"

n=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix tree/a/ --delimiter / --query 'length(CommonPrefixes)' --output text)
[ "$n" = "1" ] || fail "delimiter prefixes: $n"
echo "ok s3api-list-delimiter"

aws s3api put-object --bucket "$bucket" --key api/obj --body "$tree/a/b/small.bin" >/dev/null
aws s3api get-object --bucket "$bucket" --key api/obj "$work/obj.out" >/dev/null
cmp "$tree/a/b/small.bin" "$work/obj.out" || fail "s3api put/get"
echo "ok s3api-put-get"

out=$(AWS_SECRET_ACCESS_KEY=wrongwrongwrong aws s3 ls "s3://$bucket" 2>&1 || true)
echo "$out" | grep -q SignatureDoesNotMatch || fail "wrong secret: $out"
echo "ok wrong-secret"

out=$(AWS_ACCESS_KEY_ID=$ro_id AWS_SECRET_ACCESS_KEY=$ro_secret aws s3 cp "$tree/a/b/small.bin" "s3://$bucket/ro.bin" 2>&1 || true)
echo "$out" | grep -q AccessDenied || fail "read-only put: $out"
AWS_ACCESS_KEY_ID=$ro_id AWS_SECRET_ACCESS_KEY=$ro_secret aws s3 cp "s3://$bucket/api/obj" "$work/ro.out" >/dev/null
cmp "$tree/a/b/small.bin" "$work/ro.out" || fail "read-only get"
echo "ok read-only-key"

aws s3 rm --recursive "s3://$bucket/" >/dev/null
aws s3 rb "s3://$bucket" >/dev/null
[[ "$(aws s3 ls)" == *" $bucket"* ]] && fail "rb"
echo "ok rm-rb"
echo "done 0 failures"
