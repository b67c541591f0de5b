"""End-to-end: the timeouts mean what the README says. DOWNLOAD_TIMEOUT
bounds receiving the source, UPLOAD_TIMEOUT bounds S3's part: a slow source
within DOWNLOAD_TIMEOUT never fails because of UPLOAD_TIMEOUT (also when the
GET is streamed into the PUT, S3 over https), a stalled S3 still times out,
and each failure names its side. Timeouts are small so the runs take
seconds; no assertion depends on timing."""
import hashlib
import unittest

from migrate_rig import MigrateTestCase, flat_key
from servers.cdn_origin import CdnOrigin


class SourceTimeoutTest(MigrateTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.origin = CdnOrigin().start()
        cls.addClassCleanup(cls.origin.stop)

    def _trickling(self, stem, seconds, size=300_000):
        path = f"/{self.unique(stem)}/slow.jpg"
        body = self.origin.add(path, size=size)
        self.origin.answer(path, {"trickle": seconds})
        return path, body

    def test_slow_source_within_download_timeout_is_copied(self):
        path, body = self._trickling("slow", 2.5)
        url = self.origin.url(path)
        run = self.migrate([url], ["--download-timeout", "8",
                                   "--upload-timeout", "1",
                                   "--max-retries", "0"])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(run.failed(), {})
        self.assertEqual([r[:3] for r in run.completed()],
                         [(url, flat_key(path), len(body))])
        got = self.bucket_objects()
        self.assertEqual(hashlib.md5(got[flat_key(path)]).hexdigest(),
                         hashlib.md5(body).hexdigest())

    def test_source_slower_than_download_timeout_fails_as_source(self):
        path, _ = self._trickling("slower", 4.0)
        url = self.origin.url(path)
        run = self.migrate([url], ["--download-timeout", "1",
                                   "--upload-timeout", "10",
                                   "--max-retries", "0"])
        self.assertEqual(run.code, 1, run)
        self.assertEqual(run.failed(), {url: "source timeout"})
        self.assertEqual(run.completed(), [])
        self.assertEqual(self.bucket_objects(), {})

    def test_stalled_s3_still_times_out_and_is_named(self):
        path = f"/{self.unique('s3stall')}/a.jpg"
        self.origin.add(path, size=20_000)
        url = self.origin.url(path)
        self.proxy.set_rules([{"stall": 6}])
        run = self.migrate([url], ["--download-timeout", "8",
                                   "--upload-timeout", "1",
                                   "--max-retries", "1"])
        self.assertEqual(run.code, 1, run)
        self.assertEqual(run.failed(), {url: "s3 timeout after 2 attempts"})
        self.assertEqual(run.completed(), [])
        self.proxy.set_rules([])
        self.assertEqual(self.bucket_objects(), {})


class SourceTimeoutPlainHttpTest(SourceTimeoutTest):
    proxy_tls = False


if __name__ == "__main__":
    unittest.main()
