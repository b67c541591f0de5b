"""End-to-end tests of `cfmigrate collect` against tests/servers/fake_api.py."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "servers"))
import fake_api  # noqa: E402

BIN = os.path.abspath(os.environ.get("CFMIGRATE_BIN", "../build/cfmigrate"))

# Settings per pagination style: how the fake API shapes its responses.
STYLE_FLAGS = {
    "page": ["--api-items-path", "data", "--api-total-path", "total"],
    "offset": ["--api-items-path", "results", "--api-total-path", "count",
               "--api-page-size-param", "limit"],
    "cursor": ["--api-items-path", "items",
               "--api-next-cursor-path", "meta.next_cursor"],
    "next_url": ["--api-items-path", "items",
                 "--api-next-url-path", "links.next"],
    "link_header": ["--api-items-path", ""],
}


class CollectTestBase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cfm-collect-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def start_api(self, **kw):
        self.cfg = fake_api.Config(**kw)
        api = fake_api.FakeApi(self.cfg).start()
        self.addCleanup(api.stop)
        self.api = api
        return api

    def flags(self, style, extra=(), auth="none", token=None, per_page=100,
              url_field=None, rate="0"):
        multi = self.cfg.urls_per_item > 1
        args = ["--api-base-url", self.api.base_url,
                "--api-pagination", style,
                "--api-auth-style", auth,
                "--api-rate-limit", rate,
                "--results-per-page", str(per_page),
                "--api-url-field", url_field or ("images[].url" if multi
                                                 else "url"),
                "--state-dir", self.dir,
                "--output-file", os.path.join(self.dir, "urls.txt")]
        if token is not None:
            args += ["--api-auth-token", token]
        return args + STYLE_FLAGS[style] + list(extra)

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("API_", "OUTPUT_FILE", "STATE_DIR",
                                    "CHECKPOINT_", "SOURCE_URL"))}
        env["NO_PROXY"] = "*"
        return env

    def run_collect(self, args, timeout=300):
        return subprocess.run([BIN, "collect"] + args, cwd=self.dir,
                              env=self.env(), capture_output=True, text=True,
                              timeout=timeout)

    def start_collect(self, args):
        return subprocess.Popen([BIN, "collect"] + args, cwd=self.dir,
                                env=self.env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                start_new_session=True)

    def output(self):
        with open(os.path.join(self.dir, "urls.txt")) as f:
            return f.read()

    def checkpoint(self):
        with open(os.path.join(self.dir, "checkpoint.json")) as f:
            return json.load(f)

    def log(self):
        with open(os.path.join(self.dir, "collection.log")) as f:
            return f.read()

    def assertCollected(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        expected, invalid = fake_api.expected_output(self.cfg)
        self.assertEqual(self.output(), expected)
        cp = self.checkpoint()
        self.assertTrue(cp["done"])
        self.assertEqual(cp["urls_written"], expected.count("\n"))
        self.assertEqual(cp["invalid"], invalid)
        self.assertEqual(cp["output_bytes"], len(expected))


class PaginationAndAuthTest(CollectTestBase):
    CASES = [  # style, auth, token flags
        ("page", "bearer", []),
        ("offset", "header", ["--api-auth-header", "X-Custom-Key"]),
        ("cursor", "query", ["--api-auth-query-param", "key"]),
        ("next_url", "none", []),
        ("link_header", "bearer", []),
    ]

    def test_every_style_with_several_urls_duplicates_and_foreign(self):
        for style, auth, extra in self.CASES:
            with self.subTest(style=style, auth=auth):
                self.setUp()
                kw = {}
                if auth == "header":
                    kw["auth_header"] = "X-Custom-Key"
                if auth == "query":
                    kw["auth_param"] = "key"
                self.start_api(style=style, auth=auth, items=1234,
                               urls_per_item=3, dup_every=7, foreign_every=11,
                               **kw)
                proc = self.run_collect(self.flags(
                    style, extra, auth=auth, token="secret-token",
                    per_page=100))
                self.assertCollected(proc)
                self.assertEqual(self.api.server.unauthorized, 0)
                self.assertNotIn("secret-token", self.log())
                # 13 pages; page and offset need one more, empty, page
                # unless they know the total.
                self.assertLessEqual(len(self.api.request_times()), 14)

    def test_single_url_items_and_duplicate_counts(self):
        self.start_api(style="page", items=500, dup_every=5)
        proc = self.run_collect(self.flags("page"))
        self.assertCollected(proc)
        self.assertEqual(self.checkpoint()["duplicates"], 99)

    def test_wrong_token_is_refused_with_exit_2(self):
        self.start_api(style="page", auth="bearer", items=10)
        proc = self.run_collect(self.flags("page", auth="bearer",
                                           token="wrong"))
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("401", proc.stderr)
        self.assertIn("API_AUTH_TOKEN", proc.stderr)
        self.assertEqual(self.api.server.unauthorized, 1)  # no retries

    def test_missing_token_and_bad_paths_are_config_errors(self):
        self.start_api(style="page", items=10)
        proc = self.run_collect(self.flags("page", auth="bearer"))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("API_AUTH_TOKEN", proc.stderr)
        proc = self.run_collect(self.flags("page", ["--api-items-path",
                                                    "a..b"]))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("API_ITEMS_PATH", proc.stderr)
        self.assertEqual(self.api.request_times(), [])

    def test_checkpoint_from_another_configuration_is_refused(self):
        self.start_api(style="page", items=300)
        self.assertCollected(self.run_collect(self.flags("page")))
        proc = self.run_collect(self.flags("offset"))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("delete it to start over", proc.stderr)

    def test_rerun_after_completion_changes_nothing(self):
        self.start_api(style="cursor", items=300)
        self.assertCollected(self.run_collect(self.flags("cursor")))
        before = len(self.api.request_times())
        self.assertCollected(self.run_collect(self.flags("cursor")))
        self.assertEqual(len(self.api.request_times()), before)


class EnvFileTest(CollectTestBase):
    def test_collection_env_in_working_directory_is_read(self):
        self.start_api(style="next_url", auth="header", items=450,
                       urls_per_item=2)
        with open(os.path.join(self.dir, "collection.env"), "w") as f:
            f.write("# the API\n"
                    "API_BASE_URL=%s\n"
                    "API_AUTH_STYLE=header\n"
                    "API_AUTH_TOKEN=secret-token\n"
                    "API_PAGINATION=next_url\n"
                    "API_ITEMS_PATH=items\n"
                    "API_URL_FIELD=images[].url\n"
                    "API_NEXT_URL_PATH=links.next\n"
                    "API_RATE_LIMIT=0\n"
                    "RESULTS_PER_PAGE=200\n" % self.api.base_url)
        proc = self.run_collect([])
        self.assertCollected(proc)
        self.assertEqual(len(self.api.request_times()), 3)

    def test_help_lists_the_settings(self):
        self.start_api()
        proc = self.run_collect(["--help"])
        self.assertEqual(proc.returncode, 0)
        for name in ("--api-pagination", "--api-url-field",
                     "--checkpoint-interval"):
            self.assertIn(name, proc.stdout)


class FaultsTest(CollectTestBase):
    def test_throttling_500s_and_invalid_json_are_survived(self):
        date = time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                             time.gmtime(time.time() + 1))
        self.start_api(style="offset", items=1000, faults=[
            ("429", 200, 3, "1"),     # a burst, honoured, not a failure
            ("503", 400, 1, date),    # Retry-After as an HTTP date
            ("500", 600, 2),          # retried with backoff
            ("badjson", 800, 1),      # retried like a 5xx
        ])
        proc = self.run_collect(self.flags("offset", ["--results-per-page",
                                                      "100"]))
        self.assertCollected(proc)
        self.assertEqual(self.api.server.faults_served, 7)
        self.assertIn("429", proc.stderr)
        self.assertIn("invalid JSON", proc.stderr)

    def test_many_429s_do_not_use_up_retries(self):
        self.start_api(style="page", items=300,
                       faults=[("429", 100, 5, "0")])
        self.assertCollected(self.run_collect(self.flags("page")))

    def test_persistent_failure_stops_with_checkpoint_then_resumes(self):
        self.start_api(style="cursor", items=1000, faults=[("500", 500, 4)])
        proc = self.run_collect(self.flags(
            "cursor", ["--checkpoint-interval", "100",
                       "--api-retry-window", "0"]))
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("giving up after 4 attempts", proc.stderr)
        cp = self.checkpoint()
        self.assertFalse(cp["done"])
        self.assertEqual(cp["urls_written"], 500)
        self.assertEqual(cp["cursor"], "c-1f4")
        # The fault is used up: the next run finishes the job.
        self.assertCollected(self.run_collect(self.flags("cursor")))

    def test_persistent_invalid_json_stops_with_exit_1(self):
        self.start_api(style="page", items=500, faults=[("badjson", 0, 9)])
        proc = self.run_collect(self.flags("page", ["--api-retry-window",
                                                    "0"]))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("invalid JSON", proc.stderr)
        self.assertEqual(self.output(), "")


class ResumeTest(CollectTestBase):
    ITEMS = 200_000

    def test_kill_9_at_random_moments_then_resume_is_byte_identical(self):
        self.start_api(style="cursor", items=self.ITEMS, urls_per_item=1,
                       dup_every=13, foreign_every=17)
        args = self.flags("cursor", ["--checkpoint-interval", "3000"],
                          per_page=500)
        # The reference: an uninterrupted run in another directory.
        ref_dir = os.path.join(self.dir, "ref")
        os.mkdir(ref_dir)
        ref = [a.replace(self.dir, ref_dir) if a.startswith(self.dir) else a
               for a in args]
        self.assertEqual(self.run_collect(ref).returncode, 0)
        with open(os.path.join(ref_dir, "urls.txt")) as f:
            reference = f.read()
        self.assertEqual(reference, fake_api.expected_output(self.cfg)[0])

        rng = random.Random(int(os.environ.get("CFM_TEST_SEED", "4")))
        kills = 0
        for _ in range(60):
            proc = self.start_collect(args)
            try:
                proc.wait(timeout=rng.uniform(0.05, 0.5))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                kills += 1
                continue
            self.assertEqual(proc.returncode, 0)
            break
        self.assertGreaterEqual(kills, 3, "the run ended before enough kills")
        proc = self.run_collect(args)  # idempotent once complete
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(self.output(), reference)
        self.assertEqual(self.checkpoint()["urls_written"],
                         reference.count("\n"))

    def test_sigterm_saves_checkpoint_and_exits_130(self):
        self.start_api(style="page", items=3000)
        args = self.flags("page", rate="20")
        proc = self.start_collect(args)
        deadline = time.time() + 30
        while len(self.api.request_times()) < 5 and time.time() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=30), 130)
        cp = self.checkpoint()
        self.assertFalse(cp["done"])
        self.assertGreater(cp["urls_written"], 0)
        self.assertEqual(cp["output_bytes"],
                         os.path.getsize(os.path.join(self.dir, "urls.txt")))
        self.assertCollected(self.run_collect(self.flags("page")))


class RateLimitTest(CollectTestBase):
    def test_requests_per_second_counted_by_the_server(self):
        rate = 5
        self.start_api(style="page", items=2400)
        proc = self.run_collect(self.flags("page", rate=str(rate)))
        self.assertCollected(proc)
        times = self.api.request_times()
        self.assertEqual(len(times), 24)
        for i, t in enumerate(times):
            in_window = sum(1 for u in times[i:] if u < t + 1.0)
            self.assertLessEqual(in_window, rate + 1, times)
        # Generous bound: 24 requests at 5/s cannot take under ~4.6 s.
        self.assertGreater(times[-1] - times[0], (len(times) - 1) / rate * 0.95)


class TotalsAndProgressTest(CollectTestBase):
    def test_progress_lines_and_total_mismatch_warning(self):
        self.start_api(style="cursor", items=25000)
        proc = self.run_collect(self.flags(
            "cursor", ["--expected-total", "30000"], per_page=1000))
        self.assertCollected(proc)
        log = self.log()
        self.assertIn("10000 URLs, 10 pages", log)
        self.assertIn("20000 URLs, 20 pages", log)
        self.assertIn("ETA", log)
        self.assertIn("collected 25000 URLs but EXPECTED_TOTAL is 30000", log)

    def test_final_line_explains_why_urls_differ_from_the_total(self):
        # 2065 items, some repeating an earlier URL, some foreign: every
        # item arrives, so nothing may read as missing.
        self.start_api(style="page", items=2065, dup_every=50,
                       foreign_every=100)
        proc = self.run_collect(self.flags("page", per_page=500))
        self.assertCollected(proc)
        expected, foreign = fake_api.expected_output(self.cfg)
        written = expected.count("\n")
        dups = 2065 - written - foreign
        self.assertEqual((dups, foreign), (41, 21))
        self.assertIn(
            "API total 2065, 2065 items seen in 5 pages; %d duplicates, %d "
            "foreign, 0 not URLs; %d unique URLs written" % (dups, foreign,
                                                             written),
            proc.stderr)
        self.assertIn("the API's total is 2065 and 2065 items arrived",
                      proc.stderr)
        self.assertNotIn("warning", proc.stderr)
        self.assertIn("e.g. https://foreign.example.com/img/1.jpg",
                      proc.stderr)

    def test_api_total_within_tolerance_is_not_a_warning(self):
        self.start_api(style="page", items=2000)
        proc = self.run_collect(self.flags("page", per_page=500))
        self.assertCollected(proc)
        self.assertIn("the API's total is 2000 and 2000 items arrived",
                      self.log())
        self.assertEqual(len(self.api.request_times()), 4)  # stops at total


if __name__ == "__main__":
    unittest.main()
