"""Self-test of the migrate test servers (no cfmigrate needed): the origin's
faults and Range support, the proxy's S3-style digest checks and fault rules,
its TLS mode, CRC32C against its published vector. If these break, the
migrate tests would prove nothing."""
import base64
import hashlib
import http.client
import io
import os
import socket
import ssl
import unittest
import urllib.error
import urllib.request

from migrate_rig import MotoServer
from servers.origin import Origin
from servers.s3_proxy import S3Proxy, crc32c, crc32c_b64


class Crc32cTest(unittest.TestCase):
    def test_vectors(self):
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc32c(b""), 0)
        self.assertEqual(crc32c(bytes(32)), 0x8A9136AA)  # RFC 3720 B.4
        self.assertEqual(crc32c(b"\xff" * 32), 0x62A8AB43)
        self.assertEqual(crc32c_b64(b"123456789"), "4waSgw==")


class OriginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin().start()
        cls.addClassCleanup(cls.origin.stop)

    def get(self, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.origin.port,
                                          timeout=2)
        self.addCleanup(conn.close)
        conn.request("GET", self.origin.url(path).split(str(
            self.origin.port), 1)[1], headers=headers or {})
        return conn.getresponse()

    def test_serves_image_with_md5_etag_and_range(self):
        body = self.origin.add("/t/café au lait.jpg", size=5000)
        r = self.get("/t/café au lait.jpg")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.read(), body)
        self.assertEqual(r.getheader("ETag"),
                         f'"{hashlib.md5(body).hexdigest()}"')
        self.assertEqual(r.getheader("Content-Type"), "image/jpeg")
        self.assertTrue(r.getheader("x-amz-cf-pop"))
        r = self.get("/t/café au lait.jpg", {"Range": "bytes=100-199"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.read(), body[100:200])
        self.assertEqual(self.origin.get_hits("/t/café au lait.jpg"), 2)
        self.assertEqual(self.origin.range_hits("/t/café au lait.jpg"), 1)

    def test_status_fault_k_times_then_ok(self):
        self.origin.add("/t/503.jpg", size=10,
                        fault={"status": 503, "times": 2})
        self.assertEqual([self.get("/t/503.jpg").status for _ in range(3)],
                         [503, 503, 200])
        self.origin.add("/t/429.jpg", fault={"status": 429,
                                             "retry_after": 1})
        self.assertEqual(self.get("/t/429.jpg").getheader("Retry-After"), "1")

    def test_short_reset_stall_and_corrupt(self):
        self.origin.add("/t/short.jpg", size=10000, fault={"short": True})
        with self.assertRaises(http.client.IncompleteRead):
            self.get("/t/short.jpg").read()
        self.origin.add("/t/reset.jpg", size=100000, fault={"reset": True})
        with self.assertRaises((ConnectionResetError,
                                http.client.IncompleteRead)):
            self.get("/t/reset.jpg").read()
        self.origin.add("/t/stall.jpg", size=1000, fault={"stall": 5})
        with self.assertRaises(TimeoutError):
            self.get("/t/stall.jpg").read()
        body = self.origin.add("/t/bad.jpg", size=100,
                               fault={"corrupt": True, "times": 1})
        r = self.get("/t/bad.jpg")
        self.assertNotEqual(hashlib.md5(r.read()).hexdigest(),
                            r.getheader("ETag").strip('"'))
        self.assertEqual(self.get("/t/bad.jpg").read(), body)

    def test_etag_styles_and_404(self):
        self.origin.add("/t/w.jpg", size=10, etag="weak")
        self.assertTrue(self.get("/t/w.jpg").getheader("ETag")
                        .startswith('W/"'))
        self.origin.add("/t/n.jpg", size=10, etag="none")
        self.assertIsNone(self.get("/t/n.jpg").getheader("ETag"))
        self.assertEqual(self.get("/t/missing.jpg").status, 404)


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)
        cls.moto.create_bucket("rig-bucket")
        cls.proxy = S3Proxy(cls.moto.port).start()
        cls.addClassCleanup(cls.proxy.stop)

    def setUp(self):
        self.proxy.reset()
        import boto3
        from botocore.config import Config
        self.s3 = boto3.client(
            "s3", endpoint_url=self.proxy.endpoint(), region_name="us-west-2",
            aws_access_key_id=self.moto.access_key,
            aws_secret_access_key=self.moto.secret_key,
            config=Config(s3={"addressing_style": "path"},
                          retries={"total_max_attempts": 1},
                          request_checksum_calculation="when_required"))

    def put(self, key, body, **kw):
        return self.s3.put_object(Bucket="rig-bucket", Key=key, Body=body,
                                  **kw)

    def error_code(self, fn):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        return cm.exception.response["Error"]["Code"]

    def test_digests_checked_like_s3(self):
        body = b"image bytes" * 100
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        self.put("images/good.jpg", body, ContentMD5=md5)
        self.put("images/crc.jpg", body, ChecksumCRC32C=crc32c_b64(body))
        self.assertEqual(self.error_code(
            lambda: self.put("images/bad.jpg", body + b"x", ContentMD5=md5)),
            "BadDigest")
        self.assertEqual(self.error_code(
            lambda: self.put("images/bad2.jpg", body,
                             ChecksumCRC32C=crc32c_b64(b"x"))), "BadDigest")
        self.assertEqual(self.error_code(
            lambda: self.put("images/bad3.jpg", body, ContentMD5="nope")),
            "InvalidDigest")
        self.assertEqual(sorted(self.moto.objects("rig-bucket", "images/")),
                         ["images/crc.jpg", "images/good.jpg"])
        self.assertEqual(self.proxy.digest_failures, 3)

    def test_fault_rules_and_counts(self):
        self.proxy.set_rules([{"code": "SlowDown", "status": 503,
                               "first_per_key": 1}])
        self.assertEqual(self.error_code(
            lambda: self.put("images/s.jpg", b"1")), "SlowDown")
        self.put("images/s.jpg", b"1")
        self.proxy.set_rules([{"code": "AccessDenied", "status": 403,
                               "methods": []}])
        self.assertEqual(self.error_code(
            lambda: self.s3.list_objects_v2(Bucket="rig-bucket")),
            "AccessDenied")
        self.assertEqual(self.proxy.count("PUT"), 2)
        self.assertEqual(self.proxy.count("GET"), 1)
        self.assertEqual(self.proxy.faults_injected, 2)

    def test_multipart_through_proxy(self):
        from boto3.s3.transfer import TransferConfig
        big = bytes(range(256)) * 45000
        self.s3.upload_fileobj(
            io.BytesIO(big), "rig-bucket", "images/big.jpg",
            Config=TransferConfig(multipart_threshold=5 << 20,
                                  multipart_chunksize=5 << 20))
        self.assertEqual(self.moto.objects("rig-bucket", "images/big")
                         ["images/big.jpg"], big)
        self.assertEqual(self.proxy.count("POST"), 2)

    def test_signature_still_checked_by_moto(self):
        env_secret = self.moto.secret_key
        import boto3
        bad = boto3.client("s3", endpoint_url=self.proxy.endpoint(),
                           region_name="us-west-2",
                           aws_access_key_id=self.moto.access_key,
                           aws_secret_access_key="x" + env_secret)
        self.assertEqual(self.error_code(
            lambda: bad.put_object(Bucket="rig-bucket", Key="images/z.jpg",
                                   Body=b"z")), "SignatureDoesNotMatch")

    def test_sigv4_oracle_agrees_with_botocore(self):
        import boto3
        from botocore.config import Config
        self.moto.set_auth(False)
        self.addCleanup(self.moto.set_auth, True)
        oracle = S3Proxy(self.moto.port, verify_sigv4={
            self.moto.access_key: self.moto.secret_key}).start()
        self.addCleanup(oracle.stop)

        def client(secret):
            return boto3.client(
                "s3", endpoint_url=oracle.endpoint(), region_name="us-west-2",
                aws_access_key_id=self.moto.access_key,
                aws_secret_access_key=secret,
                config=Config(s3={"addressing_style": "path"},
                              retries={"total_max_attempts": 1}))
        good = client(self.moto.secret_key)
        for key in ["images/café.jpg", "images/日本 語.jpg", "images/a+b!.jpg",
                    "images/100%.jpg", "images/a=b&c'(1).jpg"]:
            good.put_object(Bucket="rig-bucket", Key=key, Body=b"x")
        good.list_objects_v2(Bucket="rig-bucket", Prefix="images/")
        self.assertEqual(oracle.signature_failures, [])
        self.assertEqual(self.error_code(lambda: client("x").put_object(
            Bucket="rig-bucket", Key="images/w.jpg", Body=b"x")),
            "SignatureDoesNotMatch")

        def tamper(request, **_):
            request.headers["X-Amz-Content-SHA256"] = "0" * 64
        good.meta.events.register("before-send.s3.PutObject", tamper)
        self.assertEqual(self.error_code(lambda: good.put_object(
            Bucket="rig-bucket", Key="images/t.jpg", Body=b"x")),
            "XAmzContentSHA256Mismatch")

    def test_stats_endpoint(self):
        with urllib.request.urlopen(self.proxy.endpoint() + "/__proxy/stats",
                                    timeout=5) as r:
            self.assertIn(b"counts", r.read())


class ProxyTlsTest(unittest.TestCase):
    """tls=True: HTTPS with a certificate its ca_file verifies, and the same
    SigV4 and digest checks as over http."""

    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)
        cls.moto.create_bucket("rig-tls")
        cls.proxy = S3Proxy(cls.moto.port, tls=True, verify_sigv4={
            cls.moto.access_key: cls.moto.secret_key}).start()
        cls.addClassCleanup(cls.proxy.stop)

    def setUp(self):
        self.proxy.reset()

    def client(self, secret=None):
        import boto3
        from botocore.config import Config
        return boto3.client(
            "s3", endpoint_url=self.proxy.endpoint(), region_name="us-west-2",
            verify=self.proxy.ca_file,
            aws_access_key_id=self.moto.access_key,
            aws_secret_access_key=secret or self.moto.secret_key,
            config=Config(s3={"addressing_style": "path"},
                          retries={"total_max_attempts": 1},
                          request_checksum_calculation="when_required"))

    def error_code(self, fn):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        return cm.exception.response["Error"]["Code"]

    def test_https_verified_by_ca_file(self):
        self.assertEqual(self.proxy.endpoint(),
                         f"https://127.0.0.1:{self.proxy.port}")
        url = self.proxy.endpoint() + "/__proxy/stats"
        context = ssl.create_default_context(cafile=self.proxy.ca_file)
        with urllib.request.urlopen(url, timeout=5, context=context) as r:
            self.assertIn(b"counts", r.read())
        with self.assertRaises(urllib.error.URLError) as cm:
            urllib.request.urlopen(url, timeout=5,
                                   context=ssl.create_default_context())
        self.assertIsInstance(cm.exception.reason,
                              ssl.SSLCertVerificationError)
        other = S3Proxy(self.moto.port, tls=True).start()
        cert_dir = os.path.dirname(other.ca_file)
        other.stop()
        self.assertFalse(os.path.exists(cert_dir))

    def test_sigv4_and_digests_checked_over_tls(self):
        s3 = self.client()
        body = b"tls image" * 100
        s3.put_object(Bucket="rig-tls", Key="images/a.jpg", Body=body)
        self.assertEqual(s3.get_object(Bucket="rig-tls", Key="images/a.jpg")
                         ["Body"].read(), body)
        self.assertEqual(self.proxy.signature_failures, [])
        self.assertEqual(self.error_code(lambda: self.client("x").put_object(
            Bucket="rig-tls", Key="images/w.jpg", Body=b"x")),
            "SignatureDoesNotMatch")
        self.assertEqual([c for c, _ in self.proxy.signature_failures],
                         ["SignatureDoesNotMatch"])
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        self.assertEqual(self.error_code(lambda: s3.put_object(
            Bucket="rig-tls", Key="images/bad.jpg", Body=body + b"x",
            ContentMD5=md5)), "BadDigest")
        self.assertEqual(self.proxy.digest_failures, 1)

    def test_bad_handshake_and_aborted_put_leave_it_serving(self):
        with socket.create_connection(("127.0.0.1", self.proxy.port)) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            raw.settimeout(5)
            try:  # a TLS alert, EOF or a reset: no HTTP answer
                self.assertNotIn(b"HTTP", raw.recv(100))
            except ConnectionResetError:
                pass
        context = ssl.create_default_context(cafile=self.proxy.ca_file)
        with context.wrap_socket(socket.create_connection(
                ("127.0.0.1", self.proxy.port)),
                server_hostname="127.0.0.1") as tls:
            tls.sendall(b"PUT /rig-tls/cut/a.jpg HTTP/1.1\r\n"
                        b"Host: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"
                        + b"x" * 10)
        s3 = self.client()
        s3.put_object(Bucket="rig-tls", Key="cut/b.jpg", Body=b"ok")
        self.assertEqual(self.proxy.count("PUT"), 1)
        self.assertEqual(self.moto.objects("rig-tls", "cut/"),
                         {"cut/b.jpg": b"ok"})


if __name__ == "__main__":
    unittest.main()
