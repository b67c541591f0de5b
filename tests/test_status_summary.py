"""The end of a migrate run says what went wrong and what to do: failures
grouped by reason (gone at the source, not a usable URL, retryable) with a
count and an example each, and the command that retries the retryable
ones, which then retries exactly those."""
import os
import re
import shlex
import subprocess
import unittest

from migrate_rig import MigrateTestCase, flat_key


class SummaryTest(MigrateTestCase):
    default_flags = dict(MigrateTestCase.default_flags,
                         **{"--concurrency": "1", "--max-retries": "0"})

    def _console(self, run):
        """Console lines without the volatile summary figures."""
        return [l for l in run.stderr.splitlines()
                if not l.startswith(("warning: failed", "info: migrate:",
                                     "info: summary:",
                                     "info: AWS credentials:"))]

    def test_failures_grouped_then_retry_command_retries_only_those(self):
        top = self.unique("sum")
        ok = [f"/{top}/ok-{i}.jpg" for i in range(2)]
        busy = [f"/{top}/busy-{i}.jpg" for i in range(2)]
        self.add_images(ok)
        for p in busy:
            self.origin.add(p, fault={"status": 503, "times": 1})
        gone = [self.origin.url(f"/{top}/gone-{i}.jpg") for i in range(3)]
        urls = ([self.origin.url(p) for p in ok] + gone +
                [self.origin.url(p) for p in busy] +
                ["ftp://elsewhere/x.jpg"])
        run = self.migrate(urls)
        self.assertEqual(run.code, 1, run)
        retry = os.path.join(self.state_dir, "retry_urls.txt")
        busy_urls = [self.origin.url(p) for p in busy]
        args = self.args(os.path.join(self.state_dir, "urls.txt"))[2:]
        i = args.index("--source-urls-file")
        del args[i:i + 2]
        self.assertEqual(self._console(run), [
            "info: 3 URLs gone at the source (a re-run will not help):",
            f"info:   3 x source http 404, e.g. {gone[0]}",
            "info: 1 URL not a usable URL (fix the list):",
            "info:   1 x malformed url: not an http(s) URL, "
            "e.g. ftp://elsewhere/x.jpg",
            "info: 2 URLs retryable (a re-run may succeed):",
            f"info:   2 x source http 503, e.g. {busy_urls[0]}",
            "info: every failed URL and its reason: "
            + os.path.join(self.state_dir, "failed_transfers.txt"),
            "info: to retry the 2 retryable URLs:",
            "info:   cfmigrate migrate "
            + " ".join(shlex.quote(a) for a in args)
            + " --source-urls-file " + retry,
        ])
        with open(retry) as f:
            self.assertEqual(f.read().splitlines(), busy_urls)

        command = run.stderr.splitlines()[-1].split("info:   ", 1)[1]
        argv = shlex.split(command)
        self.assertEqual(argv[:2], ["cfmigrate", "migrate"])
        again = subprocess.run(
            [self.args(retry)[0]] + argv[1:], env=self.env(),
            cwd=self.state_dir, capture_output=True, text=True, timeout=60)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("info: summary: 2 copied", again.stderr)
        self.assertEqual(set(self.bucket_objects()),
                         {flat_key(p) for p in ok + busy})

    def test_interrupted_or_clean_runs_print_no_retry_command(self):
        top = self.unique("clean")
        self.add_images([f"/{top}/a.jpg"])
        run = self.migrate([self.origin.url(f"/{top}/a.jpg"),
                            self.origin.url(f"/{top}/gone.jpg")])
        self.assertEqual(run.code, 1, run)
        self.assertNotIn("to retry", run.stderr)
        self.assertIn("info: 1 URL gone at the source", run.stderr)
        self.assertFalse(os.path.exists(
            os.path.join(self.state_dir, "retry_urls.txt")))


if __name__ == "__main__":
    unittest.main()
