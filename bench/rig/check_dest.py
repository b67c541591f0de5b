#!/usr/bin/env python3
"""Checks a benchmark destination against the generator's manifest.

Every manifest entry must exist at its key with the right size; a sample of
--sample entries (every k-th, deterministic, plus every file over 10 MB) is
also compared by MD5 with the manifest and, with --src-root, byte for byte
with the source file (cmp). Objects
that are not in the manifest are counted as extra. Prints one JSON object;
exit 0 when everything matches, 1 otherwise.

Keys: --layout flat   -> PREFIX + file name      (cfmigrate's default)
      --layout path   -> PREFIX + path            (rclone copy)
Destination: --fs DIR (the bucket's directory under the WebDAV root) or
             --s3 ENDPOINT (moto; any credentials) with --bucket.
The WebDAV sink stores a PUT's body as sent: one sent aws-chunked (a CRC32C
trailer, cfmigrate with a custom origin) is decoded first, strictly, and
counts as wrong_size when it is malformed. The trailer's CRC32C itself is
left to the test suite's proxy (pure Python is too slow for 1 GB here).
"""
import argparse
import hashlib
import json
import os
import re
import sys


def expected(manifest, layout, prefix):
    out = {}
    with open(manifest) as f:
        for line in f:
            # A 4th field (bench --copies) is the source file's path.
            rel, size, md5, *src = line.rstrip("\n").split("\t")
            name = rel if layout == "path" else rel.rsplit("/", 1)[-1]
            out[prefix + name] = (int(size), md5, src[0] if src else rel)
    return out


TRAILER = re.compile(rb"\r\n0\r\nx-amz-checksum-crc32c:[A-Za-z0-9+/]{6}==\r\n"
                     rb"\r\n\Z")


def unchunk(body):
    """The payload of an aws-chunked body with a CRC32C trailer, the body
    itself when it is not one, None when it is one but malformed."""
    if not TRAILER.search(body) and not body.startswith(b"0\r\nx-amz-"):
        return body
    out, pos = [], 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0 or not re.fullmatch(rb"[0-9a-f]+", body[pos:eol]):
            return None
        size, pos = int(body[pos:eol], 16), eol + 2
        if size == 0:
            return b"".join(out)
        if body[pos + size:pos + size + 2] != b"\r\n":
            return None
        out.append(body[pos:pos + size])
        pos += size + 2


def fs_objects(root):
    objs = {}

    def read(key):
        with open(os.path.join(root, key), "rb") as f:
            return unchunk(f.read())

    for d, _, files in os.walk(root):
        for n in files:
            key = os.path.relpath(os.path.join(d, n), root)
            with open(os.path.join(root, key), "rb") as f:
                head = f.read(24)
            if re.match(rb"[0-9a-f]+\r\n", head):  # maybe aws-chunked
                body = read(key)
                objs[key] = -1 if body is None else len(body)
            else:
                objs[key] = os.path.getsize(os.path.join(root, key))
    return objs, lambda key: read(key) or b""


def s3_objects(endpoint, bucket):
    import boto3  # only for --s3
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="y")
    objs = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            objs[o["Key"]] = o["Size"]
    return objs, lambda key: s3.get_object(Bucket=bucket,
                                           Key=key)["Body"].read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--layout", choices=["flat", "path"], required=True)
    ap.add_argument("--prefix", default="images/")
    ap.add_argument("--fs")
    ap.add_argument("--s3")
    ap.add_argument("--bucket", default="bench-bucket")
    ap.add_argument("--sample", type=int, default=100)
    ap.add_argument("--src-root",
                    help="also cmp the sampled objects with these files")
    a = ap.parse_args()
    want = expected(a.manifest, a.layout, a.prefix)
    if a.fs:
        objs, read = fs_objects(a.fs) if os.path.isdir(a.fs) else ({}, None)
    else:
        objs, read = s3_objects(a.s3, a.bucket)
    missing = [k for k in want if k not in objs]
    wrong_size = [k for k in want if k in objs and objs[k] != want[k][0]]
    extra = [k for k in objs if k not in want]
    keys = sorted(want)
    step = max(1, len(keys) // max(a.sample, 1))
    sample = [k for k in keys[::step] if k in objs][:a.sample]
    # The large files are the likeliest to go wrong (multipart): always in.
    sample += [k for k in keys if want[k][0] > 10_000_000 and k in objs]
    sample = list(dict.fromkeys(sample))
    bad_md5, bad_cmp = [], []
    for k in sample:
        body = read(k)
        if hashlib.md5(body).hexdigest() != want[k][1]:
            bad_md5.append(k)
        if a.src_root:
            with open(os.path.join(a.src_root, want[k][2]), "rb") as f:
                if f.read() != body:
                    bad_cmp.append(k)
    res = {
        "objects": len(objs),
        "bytes": sum(objs.values()),
        "expected_objects": len(want),
        "expected_bytes": sum(v[0] for v in want.values()),
        "missing": len(missing), "wrong_size": len(wrong_size),
        "extra": len(extra), "md5_checked": len(sample),
        "md5_bad": len(bad_md5),
        "cmp_checked": len(sample) if a.src_root else 0,
        "cmp_bad": len(bad_cmp),
        "examples": (missing + wrong_size + extra + bad_md5 + bad_cmp)[:5],
    }
    res["ok"] = (not missing and not wrong_size and not extra and
                 not bad_md5 and not bad_cmp and
                 res["bytes"] == res["expected_bytes"])
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
