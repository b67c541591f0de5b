"""End-to-end: objects over 10 MB (multipart) under faults. A large object
ends intact in the bucket XOR listed in failed_transfers.txt, never a
corrupt object in S3 that is also reported failed."""
import hashlib
import os
import signal
import time
import unittest

from migrate_rig import MigrateTestCase, flat_key

BIG = 12 * 1024 * 1024 + 4321


def md5(data):
    return hashlib.md5(data).hexdigest()


class LargeObjectTest(MigrateTestCase):

    def _big(self, stem, **kw):
        path = f"/{self.unique(stem)}/big.jpg"
        return path, self.origin.add(path, size=BIG, **kw)

    def _assert_intact(self, run, path, body):
        self.assertEqual(run.code, 0, run)
        got = self.moto.listing(self.bucket)
        self.assertIn(flat_key(path), got)
        self.assertEqual(got[flat_key(path)][0], len(body))
        data = self.bucket_objects()[flat_key(path)]
        self.assertEqual(md5(data), md5(body))
        self.assertEqual([r[0] for r in run.completed()],
                         [self.origin.url(path)])

    def test_slowdown_on_every_part_once(self):
        path, body = self._big("partslow")
        self.proxy.set_rules([{"code": "SlowDown", "status": 503,
                               "first_per_key": 1}])
        run = self.migrate([self.origin.url(path)])
        self._assert_intact(run, path, body)
        self.assertGreaterEqual(self.proxy.faults_injected, 2)

    def test_source_corrupt_once_is_caught_and_redone(self):
        path, body = self._big("corrupt1", fault={"corrupt": True,
                                                  "times": 1})
        run = self.migrate([self.origin.url(path)])
        self._assert_intact(run, path, body)

    def test_source_corrupt_always_fails_and_leaves_no_object(self):
        path, _ = self._big("corrupt", fault={"corrupt": True})
        url = self.origin.url(path)
        run = self.migrate([url], ["--max-retries", "1"])
        self.assertEqual(run.code, 1, run)
        self.assertIn(url, run.failed())
        reason = run.failed()[url]
        self.assertTrue(reason.startswith("source checksum mismatch"), reason)
        self.assertTrue(reason.endswith(" after 2 attempts"), reason)
        self.assertNotIn(flat_key(path), self.moto.listing(self.bucket))
        self.assertEqual(run.completed(), [])

    def test_reset_on_a_part_once(self):
        path, body = self._big("reset1", fault={"reset": True, "times": 1})
        run = self.migrate([self.origin.url(path)])
        self._assert_intact(run, path, body)

    def test_short_part_once(self):
        path, body = self._big("short1", fault={"short": True, "times": 2})
        run = self.migrate([self.origin.url(path)])
        self._assert_intact(run, path, body)

    def test_weak_etag_large_object(self):
        path, body = self._big("weakbig", etag="weak")
        run = self.migrate([self.origin.url(path)])
        self._assert_intact(run, path, body)
        self.assertEqual(self.proxy.digest_failures, 0)

    def test_404_large_object_no_upload_started(self):
        path = f"/{self.unique('gone')}/big.jpg"
        self.origin.add(path, size=BIG, fault={"status": 404})
        run = self.migrate([self.origin.url(path)])
        self.assertEqual(run.code, 1, run)
        self.assertTrue(run.failed()[self.origin.url(path)]
                        .startswith("source http 404"))
        self.assertEqual(self.moto.listing(self.bucket), {})

    def test_a_part_that_keeps_failing_aborts_the_upload(self):
        path, _ = self._big("partfail")
        self.proxy.set_rules([{"code": "InternalError", "status": 500}])
        url = self.origin.url(path)
        run = self.migrate([url], ["--max-retries", "1"])
        self.assertEqual(run.code, 1, run)
        self.assertEqual(run.failed()[url],
                         "s3 InternalError after 2 attempts")
        self.assertNotIn(flat_key(path), self.moto.listing(self.bucket))
        self.assertEqual(self.proxy.count("DELETE"), 1)
        self.assertEqual(run.completed(), [])

    def test_kill_9_mid_multipart_then_rerun(self):
        paths = [f"/{self.unique('killmp')}/big-{i}.jpg" for i in range(3)]
        images = {p: self.origin.add(p, size=BIG) for p in paths}
        urls_file = self.write_urls([self.origin.url(p) for p in paths])
        self.origin.latency = 0.4
        self.addCleanup(setattr, self.origin, "latency", 0.0)
        proc = self.start_migrate(urls_file=urls_file,
                                  extra=["--concurrency", "2"])
        deadline = time.monotonic() + 60
        while (sum(self.origin.get_hits(p) for p in paths) < 3
               and proc.poll() is None and time.monotonic() < deadline):
            time.sleep(0.02)
        self.assertIsNone(proc.poll(), "run ended before the kill")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        self.origin.latency = 0.0
        run = self.migrate(urls_file=urls_file)
        self.assertEqual(run.code, 0, run)
        objects = self.bucket_objects()
        self.assertEqual({k: md5(v) for k, v in objects.items()},
                         {flat_key(p): md5(b) for p, b in images.items()})

    def test_second_interrupt_abandons_a_stalled_part_at_once(self):
        # Every Range GET sends 1 MB and then hangs for 60 s. A second
        # Ctrl-C must end the run without waiting for DOWNLOAD_TIMEOUT
        # (50 s here), and record nothing: the next run copies it.
        path, _ = self._big("stuck", fault={"stall": 60,
                                             "after_bytes": 1 << 20})
        proc = self.start_migrate([self.origin.url(path)],
                                  extra=["--download-timeout", "50"])
        deadline = time.monotonic() + 30
        while (self.origin.range_hits(path) < 1 and proc.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.05)
        self.assertGreaterEqual(self.origin.range_hits(path), 1)
        time.sleep(0.5)  # the part's first MB is in
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)
        # Well inside the 50 s timeout the stalled GET would otherwise take.
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertIn("aborting transfers in flight", out + err)
        self.assertEqual(self.origin.range_hits(path), 1)
        with open(os.path.join(self.state_dir, "completed.txt")) as f:
            self.assertEqual(f.read(), "")
        failed = os.path.join(self.state_dir, "failed_transfers.txt")
        if os.path.exists(failed):
            with open(failed) as f:
                self.assertEqual(f.read(), "")


if __name__ == "__main__":
    unittest.main()
