"""`cfmigrate migrate --dry-run` finds the problems of a list and says them
in full: malformed lines by reason with line numbers, collisions with the
whole counts table, every failed sample HEAD, and an estimate that says what
bounds it. --sample without --dry-run starts nothing (exit 2). Every line is
in migration.log too. The sample asks the way a run asks: an answer a run
would refuse to store (an error page, a compressed body) is a failure, not
an image, and redirects and unencoded URLs are handled as a run handles
them."""
import os
import re
import unittest

from migrate_rig import MigrateTestCase
from servers.cdn_origin import CdnOrigin


class DryRunTest(MigrateTestCase):

    def _log(self):
        with open(os.path.join(self.state_dir, "migration.log")) as f:
            return [l.split(" info ", 1)[1] for l in f.read().splitlines()
                    if " info " in l]

    def test_all_malformed_lines_by_reason_with_line_numbers(self):
        base = self.origin.url("/")
        lines = (["https://other.example/a.jpg", "not a url",
                  "https://other.example/b.jpg", base + "dir/",
                  "https://other.example/c.jpg",
                  "https://other.example/d.jpg"])
        urls_file = self.write_urls(lines)
        run = self.migrate(urls_file=urls_file, extra=["--dry-run"])
        self.assertEqual(run.code, 2, run)
        want = [
            f"dry run: {urls_file}",
            "  lines with a URL:   6",
            "  unique URLs:        0",
            "  duplicates:         0",
            "  malformed:          6",
            "  already completed:  0",
            "  to copy:            0",
            "  key collisions:     0",
            "malformed lines by reason (a run records them as failed):",
            "  1 line: no file name",
            f"    line 4: {base}dir/",
            "  1 line: not an http(s) URL",
            "    line 2: not a url",
            f"  4 lines: outside SOURCE_URL_PREFIX {base}",
            "    line 1: https://other.example/a.jpg",
            "    line 3: https://other.example/b.jpg",
            "    line 5: https://other.example/c.jpg",
            "the list holds no usable URL: a run would refuse it (exit 2)",
        ]
        self.assertEqual(run.stdout.splitlines(), want)
        self.assertEqual(self._log(), want)
        self.assertEqual(self.proxy.count(), 0)

    def test_collisions_with_the_full_counts_table(self):
        a, b = self.origin.url("/x/1.jpg"), self.origin.url("/y/1.jpg")
        c = self.origin.url("/z/2.jpg")
        urls_file = self.write_urls([a, b, c, a])
        run = self.migrate(urls_file=urls_file, extra=["--dry-run"])
        self.assertEqual(run.code, 2, run)
        self.assertEqual(run.stdout.splitlines(), [
            f"dry run: {urls_file}",
            "  lines with a URL:   4",
            "  unique URLs:        3",
            "  duplicates:         1",
            "  malformed:          0",
            "  already completed:  0",
            "  to copy:            3",
            "  key collisions:     1",
            "1 key would be written by more than one URL (2 URLs); nothing "
            "would be uploaded. Examples:",
            f"  images/1.jpg <- {a} and {b}",
            "Set PRESERVE_PATH_STRUCTURE=true (--preserve-path-structure) "
            "to keep each URL's path in its key.",
            "sample keys:",
            f"  {a}", "    -> images/1.jpg",
            f"  {b}", "    -> images/1.jpg",
            f"  {c}", "    -> images/2.jpg",
        ])
        self.assertEqual(self.proxy.count(), 0)

    def test_every_failed_sample_head_is_listed_and_the_estimate_says_why(self):
        top = self.unique("samp")
        good = f"/{top}/ok.jpg"
        self.origin.add(good, size=10000)
        gone = [self.origin.url(f"/{top}/gone-{i}.jpg") for i in range(5)]
        urls_file = self.write_urls([self.origin.url(good)] + gone)
        run = self.migrate(urls_file=urls_file,
                           extra=["--dry-run", "--sample", "6",
                                  "--concurrency", "150"])
        self.assertEqual(run.code, 0, run)
        out = run.stdout.splitlines()
        start = out.index("sample of 6 source URLs: 1 answered 200, "
                          "5 failed:")
        self.assertEqual(sorted(out[start + 1:start + 6]),
                         [f"  HEAD {u}: http 404" for u in gone])
        est = out[start + 6:]
        self.assertEqual(est[0], "mean size 10 KB: estimated 0.00 GB to "
                                 "copy (6 objects)")
        self.assertRegex(est[1], r"^mean HEAD latency \d+ ms: with 150 in "
                                 r"flight at most \d+ files/s, \S+$")
        for line, gbps in zip(est[2:5], ("1.0", "2.5", "5.0")):
            self.assertRegex(line, rf"^  at {gbps} Gbit/s: \S+ "
                                   r"\((latency|bandwidth) bounds\)$")
        self.assertTrue(est[5].startswith("assumes: "), est)
        self.assertEqual(len(est), 6)
        self.assertEqual(self._log()[-len(out):], out)

    def test_no_sample_answered_is_exit_1(self):
        gone = self.origin.url(f"/{self.unique('none')}/gone.jpg")
        run = self.migrate([gone], extra=["--dry-run", "--sample", "3"])
        self.assertEqual(run.code, 1, run)
        self.assertIn("sample of 1 source URL: 0 answered 200, 1 failed:\n"
                      f"  HEAD {gone}: http 404\n"
                      "no sampled source URL answered 200: no estimate\n",
                      run.stdout)

    def test_sample_without_dry_run_starts_nothing(self):
        path = f"/{self.unique('nodry')}/a.jpg"
        self.add_images([path])
        run = self.migrate([self.origin.url(path)], extra=["--sample", "5"])
        self.assertEqual(run.code, 2, run)
        self.assertIn("--sample only goes with --dry-run", run.stderr)
        self.assertEqual(self.proxy.count(), 0)
        self.assertEqual(self.origin.hits(path), 0)
        self.assertFalse(os.path.exists(
            os.path.join(self.state_dir, "completed.txt")))


class DryRunSampleAnswersTest(MigrateTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.origin = CdnOrigin().start()
        cls.addClassCleanup(cls.origin.stop)

    def _sample(self, urls):
        return self.migrate(urls, extra=["--dry-run", "--sample",
                                         str(len(urls))])

    def test_error_pages_and_compressed_bodies_are_not_an_estimate(self):
        top = self.unique("refuse")
        html, gz = f"/{top}/page.jpg", f"/{top}/gz.jpg"
        for path in (html, gz):
            self.origin.add(path, size=5000)
        self.origin.answer(html, {"html": True})
        self.origin.answer(gz, {"encoding": "gzip"})
        html_url, gz_url = self.origin.url(html), self.origin.url(gz)
        run = self._sample([html_url, gz_url])
        # Both answered 200; a run would store neither: no estimate, exit 1.
        self.assertEqual(run.code, 1, run)
        out = run.stdout.splitlines()
        start = out.index("sample of 2 source URLs: 0 answered 200, "
                          "2 failed:")
        self.assertEqual(sorted(out[start + 1:start + 3]), sorted([
            f"  HEAD {html_url}: source answered text/html",
            f"  HEAD {gz_url}: source sent Content-Encoding: gzip"]))
        self.assertEqual(out[start + 3],
                         "no sampled source URL answered 200: no estimate")

    def test_redirects_and_unencoded_urls_are_asked_as_a_run_asks(self):
        top = self.unique("ask")
        moved, target = f"/{top}/old.jpg", f"/{top}/new.jpg"
        spaced = f"/{top}/with space.jpg"
        self.origin.add(target, size=7000)
        self.origin.add(moved, size=7000)
        self.origin.answer(moved, {"redirect": 301, "location": target})
        self.origin.add(spaced, size=7000)
        # The list keeps the space as an API wrote it.
        run = self._sample([self.origin.url(moved),
                            self.origin.base_url() + spaced[1:]])
        self.assertEqual(run.code, 0, run)
        self.assertIn("sample of 2 source URLs: 2 answered 200, 0 failed\n"
                      "mean size 7 KB:", run.stdout)
        self.assertEqual(self.origin.hits(target), 1)
        self.assertEqual(self.origin.hits(spaced), 1)


if __name__ == "__main__":
    unittest.main()
