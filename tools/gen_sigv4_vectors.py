#!/usr/bin/env python3
"""Generates tests/data/sigv4_vectors.json with botocore's S3SigV4Auth.

Each vector holds the request as our signer takes it (method, host, wire
path, raw query pairs, extra headers, payload hash, credentials, time) and
what botocore computed from it (canonical request, string to sign,
signature, Authorization). src/sigv4_test.cc replays them; it needs no
Python. Run from anywhere:

    python3 tools/gen_sigv4_vectors.py            # rewrite the JSON
    python3 tools/gen_sigv4_vectors.py --check    # fail if it would change

Checks made here, before anything is written:
  * the wire path of every key is what a real botocore S3 client puts on the
    wire for PutObject (captured in a before-send hook, nothing is sent);
  * botocore reproduces the four published AWS S3 SigV4 examples.
"""

import argparse
import base64
import datetime
import functools
import hashlib
import json
import os
import sys
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.session
from botocore.utils import percent_encode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "sigv4_vectors.json")

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEMP_AKID = "ASIAIOSFODNN7EXAMPLE"
TOKEN = ("IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"
         "DexampleToken+with/slashes=and+plus==")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def b64(raw):
    return base64.b64encode(raw).decode()


def wire_path(key, bucket=None):
    """What our client sends: '/' + UriEncode(key, keep '/'), botocore-style."""
    prefix = f"/{bucket}/" if bucket else "/"
    return prefix + percent_encode(key, safe="/~")


@functools.lru_cache(maxsize=None)
def s3_client():
    session = botocore.session.get_session()
    return session.create_client(
        "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:5000",
        aws_access_key_id=AKID, aws_secret_access_key=SECRET,
        config=botocore.config.Config(s3={"addressing_style": "path"}))


def botocore_client_path(key):
    """The path a real botocore S3 client sends for PutObject of `key`.

    A before-send hook answers in place of the network, so nothing is sent.
    """
    client = s3_client()
    seen = {}

    class Raw:
        def stream(self, **_):
            return iter([b""])

    def capture(request, **_):
        seen["url"] = request.url
        return botocore.awsrequest.AWSResponse(request.url, 200, {}, Raw())

    client.meta.events.register("before-send.s3.PutObject", capture,
                                unique_id="capture")
    client.put_object(Bucket="bucket", Key=key, Body=b"x")
    client.meta.events.unregister("before-send.s3.PutObject",
                                  unique_id="capture")
    url = seen["url"]
    return url[url.index("/", len("http://")):].split("?")[0]


class Recorder(botocore.auth.S3SigV4Auth):
    def canonical_request(self, request):
        self.cr = super().canonical_request(request)
        return self.cr

    def string_to_sign(self, request, canonical_request):
        self.sts = super().string_to_sign(request, canonical_request)
        return self.sts


def sign(case):
    when = datetime.datetime.fromtimestamp(case["timestamp"],
                                           datetime.timezone.utc)
    creds = botocore.credentials.Credentials(
        case["access_key_id"], case["secret_access_key"],
        case["session_token"] or None)
    auth = Recorder(creds, "s3", case["region"])
    scheme = case.pop("scheme")
    url = f"{scheme}://{case['host']}{case['path']}"
    body = case["body"].encode()
    request = botocore.awsrequest.AWSRequest(
        method=case["method"], url=url, headers=dict(case["headers"]),
        params=[tuple(p) for p in case["query"]], data=body)
    if case.pop("unsigned_payload"):
        request.context["client_config"] = botocore.config.Config(
            s3={"payload_signing_enabled": False})
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           return_value=when.replace(tzinfo=None)):
        auth.add_auth(request)
    case["payload_hash"] = request.headers["X-Amz-Content-SHA256"]
    case["body_sha256"] = hashlib.sha256(body).hexdigest()
    case["amz_date"] = request.headers["X-Amz-Date"]
    case["canonical_request"] = auth.cr
    case["string_to_sign"] = auth.sts
    case["authorization"] = request.headers["Authorization"]
    case["signature"] = case["authorization"].rsplit("Signature=", 1)[1]
    return case


def make_case(name, key=None, bucket=None, method="GET", host=None,
              query=(), headers=(), body="", token=False, region="us-east-1",
              timestamp=1764342245, scheme="https", unsigned_payload=False,
              path=None):
    if path is None:
        path = wire_path(key, bucket)
        if key is not None:
            client_path = botocore_client_path(key)
            want = wire_path(key, "bucket")
            assert client_path == want, (key, client_path, want)
    return {
        "name": name,
        "key": key,
        "path_prefix": f"/{bucket}/" if bucket else "/",
        "method": method,
        "host": host or "examplebucket.s3.amazonaws.com",
        "path": path,
        "query": [list(p) for p in query],
        "headers": [list(h) for h in headers],
        "body": body,
        "access_key_id": TEMP_AKID if token else AKID,
        "secret_access_key": SECRET,
        "session_token": TOKEN if token else "",
        "region": region,
        "service": "s3",
        "timestamp": timestamp,
        "scheme": scheme,
        "unsigned_payload": unsigned_payload,
    }


def integrity_headers(body, content_type="image/jpeg"):
    raw = body.encode()
    return [("Content-Type", content_type), ("x-amz-acl",
                                             "bucket-owner-full-control"),
            ("Content-MD5", b64(hashlib.md5(raw).digest())),
            ("x-amz-checksum-crc32c",
             b64(crc32c(raw).to_bytes(4, "big")))]


def cases():
    jpeg = "\xff\xd8 not really a jpeg"
    token = "1/a+b=c==/xyz"
    upload_id = "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRz+/="
    return [
        make_case("space", key="my image.jpg"),
        make_case("plus_equals", key="a+b=c&d.jpg"),
        make_case("sub_delims", key="x!'()*.jpg"),
        make_case("utf8", key="café/été.jpg"),
        make_case("tilde", key="~user/~t,;:@$.jpg"),
        make_case("percent", key="100%.jpg"),
        make_case("nested", key="a/b/c.jpg"),
        make_case("nested_token", key="a/b/c.jpg", token=True),
        make_case("head", key="images/x.png", method="HEAD", token=True),
        make_case("create_multipart", key="big/file.bin", method="POST",
                  query=[("uploads", "")]),
        make_case("upload_part", key="big/file.bin", method="PUT",
                  query=[("uploadId", upload_id), ("partNumber", "2")],
                  body="part two bytes", token=True),
        make_case("abort_multipart", key="big/file.bin", method="DELETE",
                  query=[("uploadId", upload_id)]),
        make_case("list_v2", key=None, path="/",
                  query=[("prefix", "images/"), ("list-type", "2"),
                         ("continuation-token", token)]),
        make_case("list_v2_token", key=None, path="/", token=True,
                  query=[("list-type", "2"), ("continuation-token", token),
                         ("prefix", "images/"), ("max-keys", "1000")]),
        make_case("port_path_style", key="dir/photo 1.jpg", bucket="bucket",
                  host="127.0.0.1:5000", scheme="http"),
        make_case("port_path_style_token", key="dir/a+b.jpg",
                  bucket="bucket", host="127.0.0.1:5000", scheme="http",
                  token=True),
        make_case("put_integrity", key="images/café 1.jpg", method="PUT",
                  body=jpeg, headers=integrity_headers(jpeg)),
        make_case("put_integrity_token_port", key="images/a=b.jpg",
                  bucket="bucket", host="127.0.0.1:5000", scheme="http",
                  method="PUT", body=jpeg, token=True,
                  headers=integrity_headers(jpeg, "image/png")),
        make_case("put_unsigned_payload", key="u/x.jpg", method="PUT",
                  body=jpeg, unsigned_payload=True,
                  headers=integrity_headers(jpeg)),
        make_case("header_whitespace_and_order", key="w.jpg", method="PUT",
                  body="w", region="eu-west-1", timestamp=1700000000,
                  headers=[("X-Amz-Meta-Test", "  a   b \t c  "),
                           ("x-amz-meta-test-two", "two"),
                           ("X-AMZ-META-ZED", "z"),
                           ("Content-Type", "text/plain; charset=utf-8")]),
    ]


def aws_examples_agree():
    """botocore must reproduce the published S3 SigV4 examples."""
    creds = botocore.credentials.Credentials(AKID, SECRET)
    put_hash = hashlib.sha256(b"Welcome to Amazon S3.").hexdigest()
    examples = [
        ("GET", "/test.txt", [], {"Range": "bytes=0-9"}, EMPTY_SHA256,
         "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        ("PUT", "/test%24file.text", [],
         {"Date": "Fri, 24 May 2013 00:00:00 GMT",
          "x-amz-storage-class": "REDUCED_REDUNDANCY"}, put_hash,
         "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        ("GET", "/", [("lifecycle", "")], {}, EMPTY_SHA256,
         "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        ("GET", "/", [("max-keys", "2"), ("prefix", "J")], {}, EMPTY_SHA256,
         "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ]
    for method, path, query, headers, payload, want in examples:
        auth = botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1")
        headers = dict(headers, **{"X-Amz-Date": "20130524T000000Z",
                                   "X-Amz-Content-SHA256": payload})
        request = botocore.awsrequest.AWSRequest(
            method=method, url="https://examplebucket.s3.amazonaws.com" + path,
            headers=headers, params=query)
        request.context["timestamp"] = "20130524T000000Z"
        sts = auth.string_to_sign(request, auth.canonical_request(request))
        got = auth.signature(sts, request)
        assert got == want, (method, path, got, want)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    aws_examples_agree()
    vectors = {"generator": "tools/gen_sigv4_vectors.py",
               "botocore": botocore.__version__,
               "vectors": [sign(c) for c in cases()]}
    text = json.dumps(vectors, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{OUT} is stale; rerun without --check")
        print("up to date")
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {len(vectors['vectors'])} vectors to {OUT}")


if __name__ == "__main__":
    main()
