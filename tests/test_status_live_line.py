"""The terminal's live line, seen through tmux (capture-pane) at 60 and 160
columns while a run logs warnings: no screen line ever holds both a log
message and the status text, the live line never wraps, labels say `now`
and `avg`; and no live line at all when stdout is not a terminal or
NO_COLOR is set."""
import os
import re
import shlex
import shutil
import subprocess
import time
import unittest
import uuid

from migrate_rig import BIN, MigrateTestCase

# The live line starts with done/total and the percentage (the progress log
# line has "(12.3%)" in parentheses instead).
LIVE = re.compile(r"\d+/\d+ \d+\.\d%")
LOG = re.compile(r"\b(info|warning|error): ")


@unittest.skipUnless(shutil.which("tmux"), "tmux not installed")
class LiveLineTest(MigrateTestCase):
    default_flags = dict(MigrateTestCase.default_flags,
                         **{"--concurrency": "4"})

    def setUp(self):
        super().setUp()
        self.socket = "cfm-" + uuid.uuid4().hex[:8]
        self.addCleanup(self.tmux, "kill-server")
        self.origin.latency = 0.02
        self.addCleanup(setattr, self.origin, "latency", 0.0)

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.socket, "-f", os.devnull,
                               *args], capture_output=True, text=True,
                              timeout=30)

    def _urls(self, n, missing_every):
        top = self.unique("live")
        urls = []
        for i in range(n):
            path = f"/{top}/img-{i:04d}.jpg"
            if i % missing_every:
                self.origin.add(path)
            urls.append(self.origin.url(path))
        return urls

    def _start(self, width, urls, extra_env=None):
        """Runs migrate in a tmux pane `width` columns wide."""
        env = self.env()
        env.pop("NO_COLOR", None)
        env.update(extra_env or {})
        script = os.path.join(self.state_dir, "run.sh")
        argv = self.args(self.write_urls(urls))
        with open(script, "w") as f:
            f.write("".join(f"export {k}={shlex.quote(v)}\n"
                            for k, v in env.items()
                            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k)))
            f.write(f"cd {shlex.quote(self.state_dir)}\n")
            f.write(" ".join(shlex.quote(a) for a in argv) + "\n")
            f.write("echo EXIT=$?\nsleep 600\n")
        p = self.tmux("new-session", "-d", "-x", str(width), "-y", "40",
                      "-s", "run", "sh", script)
        self.assertEqual(p.returncode, 0, p.stderr)

    def capture(self):
        """Every row of the pane and its history, wrapped rows joined."""
        p = self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "run")
        return p.stdout.rstrip("\n").split("\n")

    def _wait(self, predicate):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            rows = self.capture()
            if predicate(rows):
                return rows
            time.sleep(0.1)
        self.fail("pane never showed it:\n" + "\n".join(self.capture()))

    def _check_rows(self, rows, width):
        for row in rows:
            if LIVE.search(row):
                self.assertIsNone(LOG.search(row), f"log on live line: {row!r}")
                self.assertLess(len(row), width, f"live line wraps: {row!r}")
                self.assertTrue(LIVE.match(row), f"glued: {row!r}")

    def _run_at(self, width):
        self._start(width, self._urls(300, missing_every=7))
        live = self._wait(lambda rows: any(LIVE.match(r) for r in rows))
        self._check_rows(live, width)
        bar = [r for r in live if LIVE.match(r)][-1]
        done = self._wait(lambda rows: any("EXIT=" in r for r in rows))
        self._check_rows(done, width)
        self.assertIn("EXIT=1", "\n".join(done))
        warnings = [r for r in done if r.startswith("warning: failed ")]
        self.assertEqual(len(warnings), 43, "\n".join(done))
        # The live line is taken down at the end: the summary follows the
        # last warning on rows of its own.
        self.assertFalse(any(LIVE.match(r) for r in done), "\n".join(done))
        return bar

    def test_at_160_columns_every_field_labelled(self):
        bar = self._run_at(160)
        self.assertRegex(bar, r"^\d+/300 \d+\.\d% \| now \d+ files/s "
                              r"[\d.]+ MB/s \| avg \d+ files/s [\d.]+ MB/s"
                              r" \| ETA \S+")

    def test_at_60_columns_fields_dropped_not_wrapped(self):
        bar = self._run_at(60)
        self.assertNotIn("avg", bar)
        self.assertLess(len(bar), 60)

    def test_resize_to_60_columns_refits_the_line(self):
        self._start(160, self._urls(400, missing_every=7))
        self._wait(lambda rows: any(LIVE.match(r) and " avg " in r
                                    for r in rows))
        self.assertEqual(self.tmux("resize-window", "-t", "run", "-x", "60")
                         .returncode, 0)
        rows = self._wait(lambda rows: LIVE.match(rows[-1]) and
                          " avg " not in rows[-1])
        # Rows drawn before the resize are reflowed by tmux; the line drawn
        # after it fits.
        self._check_rows(rows[-1:], 60)

    def test_no_live_line_with_no_color(self):
        self._start(160, self._urls(150, missing_every=7),
                    {"NO_COLOR": "1"})
        rows = self._wait(lambda rows: any("EXIT=" in r for r in rows))
        self.assertFalse(any(LIVE.search(r) for r in rows), "\n".join(rows))
        self.assertTrue(any(r.startswith("warning: failed ") for r in rows))

    def test_no_live_line_when_stdout_is_not_a_terminal(self):
        run = self.migrate(self._urls(150, missing_every=7))
        self.assertEqual(run.code, 1, run)
        self.assertNotIn("\x1b[K", run.output)
        self.assertNotIn("\r", run.output)
        self.assertIsNone(LIVE.search(run.output), run)


if __name__ == "__main__":
    unittest.main()
