"""End-to-end crash safety of `cfmigrate migrate`: kill -9 at several moments
of a 1000-file run, SIGINT/SIGTERM, then re-runs. Nothing recorded is
missing from the bucket, nothing recorded is uploaded again, and the last run
leaves every object byte-identical."""
import hashlib
import os
import signal
import time
import unittest

from migrate_rig import MigrateTestCase, Run, flat_key

N = 1000


class CrashTest(MigrateTestCase):
    default_flags = dict(MigrateTestCase.default_flags,
                         **{"--concurrency": "8"})

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Slow enough that a 1000-file run lasts seconds, so the kills land
        # mid-run; no assertion depends on timing.
        cls.origin.latency = 0.03

    def _make_set(self, n, stem):
        top = self.unique(stem)
        paths = [f"/{top}/b{i // 100}/img-{i:05d}.jpg" for i in range(n)]
        images = {p: self.origin.add(p, size=500 + (i * 7919) % 12000)
                  for i, p in enumerate(paths)}
        urls_file = self.write_urls([self.origin.url(p) for p in paths])
        return images, urls_file

    def _completed_lines(self):
        try:
            with open(os.path.join(self.state_dir, "completed.txt"),
                      "rb") as f:
                data = f.read()
            # Records only: not the "# cfmigrate completed v2" header.
            return sum(1 for line in data.split(b"\n")[:-1]
                       if not line.startswith(b"#"))
        except FileNotFoundError:
            return 0

    def _run_until(self, urls_file, lines, sig, extra=()):
        """Starts a run, sends `sig` once completed.txt has `lines` lines;
        returns (proc, whether the signal was sent before the run ended)."""
        proc = self.start_migrate(urls_file=urls_file, extra=extra)
        deadline = time.monotonic() + 120
        while proc.poll() is None and self._completed_lines() < lines:
            if time.monotonic() > deadline:
                break
            time.sleep(0.005)
        sent = proc.poll() is None
        if sent:
            if sig == signal.SIGKILL:
                os.killpg(proc.pid, sig)
            else:
                os.kill(proc.pid, sig)
        return proc, sent

    def _check_recorded(self, images, run_state):
        """Every recorded line names an object of that size whose MD5 is
        the origin's (moto's single-part ETag is the MD5 of what it stored);
        returns the set of recorded keys."""
        listing = self.moto.listing(self.bucket)
        by_key = {flat_key(p): b for p, b in images.items()}
        rows = run_state.completed()
        self.assertEqual(len(rows), len({r[0] for r in rows}),
                         "a URL is recorded twice")
        for url, key, size, _ in rows:
            self.assertIn(key, listing, f"{url} recorded, {key} missing")
            self.assertEqual(listing[key][0], size, key)
            self.assertEqual(listing[key][1],
                             hashlib.md5(by_key[key]).hexdigest(), key)
        return {r[1] for r in rows}

    def _assert_bucket_is_origin(self, images):
        self.assertEqual(
            self.moto.listing(self.bucket),
            {flat_key(p): (len(b), hashlib.md5(b).hexdigest())
             for p, b in images.items()})

    def _puts_since_reset(self):
        return {r["key"].split("/", 2)[2] for r in self.proxy.records
                if r["method"] == "PUT" and r["status"] == 200}

    def test_kill_9_at_10_50_90_percent_then_finish(self):
        images, urls_file = self._make_set(N, "kill")
        recorded = set()
        for fraction in (0.10, 0.50, 0.90):
            self.proxy.reset()
            proc, sent = self._run_until(urls_file, int(N * fraction),
                                         signal.SIGKILL)
            proc.communicate()
            self.assertTrue(sent, f"run ended before {fraction:.0%}")
            self.assertEqual(proc.returncode, -signal.SIGKILL)
            state = self._state()
            redone = self._puts_since_reset() & recorded
            self.assertEqual(redone, set(),
                             "recorded objects were uploaded again")
            now = self._check_recorded(images, state)
            self.assertTrue(recorded <= now, "completed.txt lost lines")
            self.assertGreaterEqual(len(now), int(N * fraction))
            recorded = now

        self.proxy.reset()
        final = self.migrate(urls_file=urls_file, timeout=180)
        self.assertEqual(final.code, 0, final)
        self.assertEqual(self._puts_since_reset() & recorded, set())
        self.assertEqual(self.proxy.count("PUT"), N - len(recorded))
        self.assertEqual(final.report()["skipped_already_done"],
                         len(recorded))
        self.assertEqual(self._check_recorded(images, final),
                         {flat_key(p) for p in images})
        self._assert_bucket_is_origin(images)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})

    def _state(self):
        return Run(None, "", "", self.state_dir)

    def _interrupt_then_resume(self, sig, n, at):
        images, urls_file = self._make_set(n, f"sig{int(sig)}")
        proc, sent = self._run_until(urls_file, at, sig)
        out, err = proc.communicate(timeout=90)
        self.assertTrue(sent, "run ended before the signal")
        self.assertEqual(proc.returncode, 130, out + err)
        run = Run(130, out, err, self.state_dir)
        recorded = self._check_recorded(images, run)
        self.assertGreaterEqual(len(recorded), at)
        self.assertLess(len(recorded), n)
        report = run.report()
        self.assertEqual(report["exit_code"], 130)
        self.assertEqual(report["succeeded"], len(recorded))
        for url, reason in run.failed().items():
            self.assertNotIn(url, run.completed_urls(), reason)

        self.proxy.reset()
        final = self.migrate(urls_file=urls_file, timeout=180)
        self.assertEqual(final.code, 0, final)
        self.assertEqual(self._puts_since_reset() & recorded, set())
        self._assert_bucket_is_origin(images)
        self.assertEqual(len(final.completed()), n)

    def test_sigint_exits_130_with_state_then_resumes(self):
        self._interrupt_then_resume(signal.SIGINT, N, 300)

    def test_sigterm_exits_130_with_state_then_resumes(self):
        self._interrupt_then_resume(signal.SIGTERM, 400, 100)

    def test_torn_last_line_is_ignored_and_not_glued_to(self):
        # A power loss can leave completed.txt ending mid-line.
        images, urls_file = self._make_set(10, "torn")
        first = self.migrate(urls_file=urls_file)
        self.assertEqual(first.code, 0, first)
        path = os.path.join(self.state_dir, "completed.txt")
        with open(path, "rb") as f:
            data = f.read()
        torn_url = data[:-1].rsplit(b"\n", 1)[-1].split(b"\t")[0].decode()
        with open(path, "wb") as f:
            f.write(data[:-6])
        self.proxy.reset()
        second = self.migrate(urls_file=urls_file)
        self.assertEqual(second.code, 0, second)
        self.assertEqual(self.proxy.count("PUT"), 1)
        self.assertEqual(self._puts_since_reset(),
                         {flat_key(p) for p in images
                          if self.origin.url(p) == torn_url})
        with open(path, "rb") as f:
            lines = f.read().decode().split("\n")
        self.assertEqual(lines[-1], "", "completed.txt must end in newline")
        whole = [l for l in lines[:-1] if not l.startswith("#")]
        self.assertEqual(len({l.split("\t")[0] for l in whole}), 10,
                         f"a record was glued to the torn line: {lines}")
        self.proxy.reset()
        third = self.migrate(urls_file=urls_file)
        self.assertEqual(third.code, 0, third)
        self.assertEqual(self.proxy.count("PUT"), 0)
        self._assert_bucket_is_origin(images)

    def test_second_sigint_aborts_hung_transfers(self):
        top = self.unique("hung")
        paths = [f"/{top}/h{i}.jpg" for i in range(4)]
        images = {p: self.origin.add(p, fault={"stall": 100, "times": 1})
                  for p in paths}
        urls_file = self.write_urls([self.origin.url(p) for p in paths])
        proc = self.start_migrate(urls_file=urls_file,
                                  extra=["--download-timeout", "100"])
        deadline = time.monotonic() + 30
        while (sum(self.origin.get_hits(p) for p in paths) < len(paths)
               and time.monotonic() < deadline):
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGINT)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, out + err)
        self.proxy.reset()
        final = self.migrate(urls_file=urls_file)
        self.assertEqual(final.code, 0, final)
        self._assert_bucket_is_origin(images)


if __name__ == "__main__":
    unittest.main()
