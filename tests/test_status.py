"""`cfmigrate status` and STATE_DIR/status.json, end to end: while a run
goes (slow origin), after a clean end, after kill -9 and after SIGINT."""
import json
import os
import signal
import subprocess
import time
import unittest

from migrate_rig import BIN, MigrateTestCase


class StatusTest(MigrateTestCase):
    default_flags = dict(MigrateTestCase.default_flags,
                         **{"--concurrency": "4"})

    def setUp(self):
        super().setUp()
        self.origin.latency = 0.0
        self.addCleanup(setattr, self.origin, "latency", 0.0)

    def status(self, *extra):
        p = subprocess.run([BIN, "status", "--state-dir", self.state_dir,
                            *extra], capture_output=True, text=True,
                           timeout=30)
        return p

    def status_json(self):
        p = self.status("--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 1, p.stdout)
        return json.loads(lines[0])

    def _urls(self, n, missing=0):
        top = self.unique("st")
        paths = [f"/{top}/img-{i:04d}.jpg" for i in range(n)]
        self.add_images(paths)
        gone = [self.origin.url(f"/{top}/gone-{i}.jpg") for i in range(missing)]
        return [self.origin.url(p) for p in paths] + gone

    def _wait_running(self, proc, done_at_least=1):
        """Waits (bounded) until status says running with some progress."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if os.path.exists(os.path.join(self.state_dir, "status.json")):
                j = self.status_json()
                if j["running"] and j["done"] >= done_at_least:
                    return j
            time.sleep(0.05)
        self.fail(f"never saw a running status (exit {proc.poll()})")

    def test_no_status_file_is_exit_2(self):
        p = self.status()
        self.assertEqual(p.returncode, 2)
        self.assertIn("status.json", p.stderr)

    def test_during_run_then_after_kill_9(self):
        self.origin.latency = 0.05
        proc = self.start_migrate(self._urls(400))
        j = self._wait_running(proc)
        self.assertEqual(j["pid"], proc.pid)
        self.assertEqual(j["command"], "migrate")
        self.assertEqual(j["total"], 400)
        self.assertIsNone(j["exit_code"])
        self.assertLess(j["done"], 400)
        for field in ("failed", "retrying", "files_per_second",
                      "eta_seconds", "updated_at", "in_flight", "limit"):
            self.assertIn(field, j)
        screen = self.status()
        self.assertEqual(screen.returncode, 0)
        self.assertIn(f"cfmigrate migrate (pid {proc.pid}): running",
                      screen.stdout)
        self.assertIn("ETA", screen.stdout)

        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        after = self.status_json()
        self.assertFalse(after["running"])
        self.assertIsNone(after["exit_code"])
        self.assertGreaterEqual(after["done"], j["done"])
        self.assertEqual(after["pid"], proc.pid)
        self.assertIn("NOT running, and it did not finish",
                      self.status().stdout)

    def test_after_clean_end_with_failures(self):
        urls = self._urls(20, missing=3)
        run = self.migrate(urls)
        self.assertEqual(run.code, 1, run)
        j = self.status_json()
        self.assertFalse(j["running"])
        self.assertEqual(j["exit_code"], 1)
        self.assertEqual(j["total"], 23)
        self.assertEqual(j["done"], 23)
        self.assertEqual(j["succeeded"], 20)
        self.assertEqual(j["failed"], 3)
        self.assertEqual(j["failures"]["source http 404"]["count"], 3)
        self.assertTrue(j["failures"]["source http 404"]["gone"])
        self.assertEqual(j["outcome"], "finished with 3 failures")
        self.assertEqual(j["eta_seconds"], 0)
        screen = self.status().stdout
        self.assertIn("ended: finished with 3 failures (exit 1)", screen)
        self.assertIn("3 URLs gone at the source", screen)

    def test_concurrency_auto_shows_its_limit_within_max_concurrency(self):
        self.origin.latency = 0.05
        urls = self._urls(150, missing=2)
        proc = self.start_migrate(urls, extra=("--concurrency", "auto",
                                               "--max-concurrency", "8"))
        j = self._wait_running(proc)
        self.assertEqual(j["limit_max"], 8)  # MAX_CONCURRENCY, not 150
        self.assertGreaterEqual(j["limit"], 4)
        self.assertLessEqual(j["limit"], 8)
        self.assertLessEqual(j["in_flight"], 8)
        self.assertIn(f"(limit {j['limit']} of 8)", self.status().stdout)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, err[-2000:])  # the 2 missing
        end = self.status_json()
        self.assertEqual((end["succeeded"], end["failed"]), (150, 2))
        self.assertEqual(len(self.bucket_objects()), 150)

    def test_after_clean_end_complete(self):
        run = self.migrate(self._urls(10))
        self.assertEqual(run.code, 0, run)
        j = self.status_json()
        self.assertEqual((j["running"], j["exit_code"], j["done"],
                          j["failed"], j["outcome"]),
                         (False, 0, 10, 0, "complete"))

    def test_after_sigint(self):
        self.origin.latency = 0.05
        proc = self.start_migrate(self._urls(400))
        self._wait_running(proc)
        os.kill(proc.pid, signal.SIGINT)
        proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130)
        j = self.status_json()
        self.assertFalse(j["running"])
        self.assertEqual(j["exit_code"], 130)
        self.assertEqual(j["outcome"], "interrupted")
        self.assertLess(j["done"], 400)
        self.assertEqual(j["done"], j["succeeded"] + j["failed"])

    def test_reports_of_two_runs_are_both_kept(self):
        first = self.migrate(self._urls(5, missing=1))
        self.assertEqual(first.code, 1, first)
        second = self.migrate(self._urls(3))
        self.assertEqual(second.code, 0, second)
        reports_dir = os.path.join(self.state_dir, "reports")
        names = sorted(os.listdir(reports_dir))
        self.assertEqual(len(names), 2, names)
        kept = []
        for name in names:
            self.assertRegex(name, r"^\d{8}T\d{6}Z-migrate(-\d+)?\.json$")
            with open(os.path.join(reports_dir, name)) as f:
                kept.append(json.load(f))
        self.assertEqual(sorted((r["total"], r["exit_code"]) for r in kept),
                         [(3, 0), (6, 1)])
        latest = second.report()
        self.assertEqual((latest["total"], latest["exit_code"]), (3, 0))
        self.assertIn(latest, kept)

    def test_validate_writes_status_and_its_result_reaches_the_log(self):
        urls = self._urls(4)
        # No '/' in the prefix: moto mis-signs such list requests.
        prefix = ["--destination-prefix", "img-"]
        self.assertEqual(self.migrate(urls, extra=prefix).code, 0)
        argv = self.args(os.path.join(self.state_dir, "urls.txt"), prefix)
        argv = [a for a in argv if a not in ("--concurrency", "4",
                                              "--max-retries", "3")]
        argv[1] = "validate"
        i = argv.index("--upload-timeout")
        del argv[i:i + 2]
        p = subprocess.run(argv, env=self.env(), cwd=self.state_dir,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        j = self.status_json()
        self.assertEqual((j["command"], j["running"], j["exit_code"],
                          j["outcome"]),
                         ("validate", False, 0, "complete and intact"))
        with open(os.path.join(self.state_dir, "validation.log")) as f:
            log = f.read()
        self.assertIn("RESULT: complete and intact", p.stdout)
        self.assertIn(" info RESULT: complete and intact", log)


if __name__ == "__main__":
    unittest.main()
