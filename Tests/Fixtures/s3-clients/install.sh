#!/bin/sh
# Installs what the S3 client tests run (idempotent): boto3 and the aws-cli from PyPI, curl from Debian.
set -e
python3 -c 'import boto3' 2>/dev/null && command -v aws >/dev/null || python3 -m pip install --quiet 'boto3>=1.36' 'awscli>=1.37'
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }
