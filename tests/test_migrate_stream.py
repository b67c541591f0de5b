"""Streamed copies: with S3 over https and a Content-Length, the PUT starts
while the GET's body is still arriving and the body passes through a small
buffer; anything that goes wrong mid-stream ends with the object intact XOR
listed as failed, and nothing short ever stored. A plain-MD5 source ETag
gives Content-MD5; any other ETag sends the body aws-chunked with the
CRC32C computed here as a trailer. CHECKSUM=md5 or plain-http S3 copy the
whole body first."""
import base64
import hashlib
import unittest

from migrate_rig import MigrateTestCase, flat_key
from servers.s3_proxy import crc32c_b64  # noqa: E402 (after migrate_rig)

MB = 1 << 20


class StreamTest(MigrateTestCase):

    def _puts(self, key):
        return [r for r in self.proxy.records
                if r["method"] == "PUT" and r["key"].endswith("/" + key)]

    def test_put_starts_before_the_body_has_arrived(self):
        path = f"/{self.unique('early')}/slow.jpg"
        # Half the body, a pause, the rest: a PUT that waited for the whole
        # body would start after the origin finished sending it.
        body = self.origin.add(path, size=2 * MB,
                               fault={"pause": 1.5, "after_bytes": MB})
        run = self.migrate([self.origin.url(path)])
        self.assert_arrived(run, {path: body})
        (put,) = self._puts(flat_key(path))
        (done,) = self.origin.body_done(path)
        self.assertLess(put["started"], done)
        md5 = hashlib.md5(body).digest()
        self.assertEqual(put["headers"]["content-md5"],
                         base64.b64encode(md5).decode())
        self.assertEqual(run.completed()[0][2:],
                         (len(body), "md5:" + md5.hex()))

    def test_other_etags_stream_with_a_crc32c_trailer(self):
        path = f"/{self.unique('trailer')}/weak.jpg"
        body = self.origin.add(path, size=2 * MB + 5, etag="weak",
                               fault={"pause": 1.0, "after_bytes": MB})
        run = self.migrate([self.origin.url(path)])
        self.assert_arrived(run, {path: body})
        (put,) = self._puts(flat_key(path))
        (done,) = self.origin.body_done(path)
        self.assertLess(put["started"], done)
        crc = crc32c_b64(body)
        # The proxy decoded the aws-chunked body and checked the trailer
        # against it, as S3 does.
        self.assertEqual(put["status"], 200)
        self.assertEqual(put["trailers"], {"x-amz-checksum-crc32c": crc})
        self.assertEqual(put["headers"]["content-encoding"], "aws-chunked")
        self.assertEqual(put["headers"]["x-amz-decoded-content-length"],
                         str(len(body)))
        self.assertNotIn("x-amz-checksum-crc32c", put["headers"])
        self.assertNotIn("content-md5", put["headers"])
        self.assertEqual(run.completed()[0][2:], (len(body), "crc32c:" + crc))
        # Stored as the image: no aws-chunked left in its Content-Encoding.
        head = self.moto.head(self.bucket, flat_key(path))
        self.assertNotIn("ContentEncoding", head)

    def test_checksum_md5_copies_whole_to_compare_the_etag(self):
        path = f"/{self.unique('md5')}/x.jpg"
        body = self.origin.add(path, size=MB,
                               fault={"pause": 1.0, "after_bytes": MB // 2})
        run = self.migrate([self.origin.url(path)], ["--checksum", "md5"])
        self.assert_arrived(run, {path: body})
        (put,) = self._puts(flat_key(path))
        self.assertGreater(put["started"], self.origin.body_done(path)[0])
        self.assertNotIn("content-encoding", put["headers"])

    def test_bodies_many_times_the_buffer(self):
        top = self.unique("big")
        sizes = [0, 1, 64 << 10, (192 << 10) + 1, 3 * MB, 9 * MB + 12345]
        images = {f"/{top}/{i}.jpg": self.origin.add(f"/{top}/{i}.jpg",
                                                     size=size)
                  for i, size in enumerate(sizes)}
        run = self.migrate([self.origin.url(p) for p in images])
        self.assert_arrived(run, images)
        self.assertEqual(self.proxy.count("PUT"), len(images))
        self.assertEqual(sorted(row[2] for row in run.completed()), sizes)

    def test_source_failing_mid_body_stores_nothing_short(self):
        top = self.unique("midfail")
        faults = {"reset": {"reset": True, "times": 1},
                  "short": {"short": True, "times": 1},
                  "stall": {"stall": 8, "after_bytes": MB, "times": 1}}
        images = {}
        for name, fault in faults.items():
            for etag in ("md5", "weak"):  # Content-MD5, CRC32C trailer
                path = f"/{top}/{name}-{etag}.jpg"
                images[path] = self.origin.add(path, size=3 * MB, fault=fault,
                                               etag=etag)
        run = self.migrate([self.origin.url(p) for p in images],
                           ["--download-timeout", "3"])
        self.assert_arrived(run, images)
        for path in images:
            # The first GET broke off with its PUT unfinished; the retry
            # fetched again and S3 stored the whole object once.
            self.assertEqual(self.origin.get_hits(path), 2, path)
            self.assertEqual(len(self._puts(flat_key(path))), 1, path)

    def test_corrupt_source_is_refused_by_s3_and_refetched(self):
        top = self.unique("corrupt")
        once, always = f"/{top}/once.jpg", f"/{top}/always.jpg"
        body = self.origin.add(once, size=MB,
                               fault={"corrupt": True, "times": 1})
        self.origin.add(always, size=MB, fault={"corrupt": True})
        run = self.migrate([self.origin.url(once), self.origin.url(always)],
                           ["--max-retries", "2"])
        self.assertEqual(run.code, 1, run)
        objects = self.bucket_objects()
        self.assertEqual(objects[flat_key(once)], body)
        self.assertNotIn(flat_key(always), objects)
        reason = run.failed()[self.origin.url(always)]
        self.assertTrue(
            reason.startswith("source checksum mismatch (s3 BadDigest)"),
            reason)
        self.assertEqual(self.origin.get_hits(always), 3)
        self.assertEqual(self.origin.get_hits(once), 2)

    def test_throttled_put_is_retried_with_a_new_get(self):
        top = self.unique("throttle")
        images = self.add_images([f"/{top}/{i}.jpg" for i in range(8)],
                                 size=MB)
        self.proxy.set_rules([{"code": "SlowDown", "status": 503,
                               "first_per_key": 1}])
        run = self.migrate([self.origin.url(p) for p in images])
        self.assert_arrived(run, images)
        for path in images:
            self.assertEqual(self.origin.get_hits(path), 2, path)
        self.assertEqual(self.proxy.count("PUT"), 2 * len(images))


class UntrustedCertificateTest(MigrateTestCase):

    def test_untrusted_s3_certificate_stops_the_run(self):
        top = self.unique("untrusted")
        images = self.add_images([f"/{top}/{i}.jpg" for i in range(30)],
                                 size=2000)
        with_ca = self.env
        self.env = lambda endpoint=None: {
            k: v for k, v in with_ca(endpoint).items()
            if k != "AWS_CA_BUNDLE"}
        run = self.migrate([self.origin.url(p) for p in images])
        self.assertEqual(run.code, 2, run)
        self.assertIn("TLS certificate is not trusted", run.output)
        self.assertIn("AWS_CA_BUNDLE", run.output)
        # Stopped at the first refusal: no object was fetched again for a
        # retry, nothing recorded, so the next run copies everything.
        self.assertLessEqual(max(self.origin.get_hits(p) for p in images), 1)
        self.assertEqual(run.failed(), {})
        self.assertEqual(run.completed(), [])
        self.assertEqual(self.proxy.count(), 0)


class PlainHttpS3Test(MigrateTestCase):
    """Over plain http a PUT must sign the payload's SHA-256, which needs
    the whole body first: no streaming even with an MD5 ETag."""

    proxy_tls = False

    def test_http_endpoint_copies_whole_bodies(self):
        path = f"/{self.unique('plain')}/x.jpg"
        body = self.origin.add(path, size=MB,
                               fault={"pause": 1.0, "after_bytes": MB // 2})
        run = self.migrate([self.origin.url(path)])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects()[flat_key(path)], body)
        put = [r for r in self.proxy.records if r["method"] == "PUT"][0]
        self.assertGreater(put["started"], self.origin.body_done(path)[0])
        self.assertNotEqual(put["headers"]["x-amz-content-sha256"],
                            "UNSIGNED-PAYLOAD")


if __name__ == "__main__":
    unittest.main()
