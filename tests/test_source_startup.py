"""End-to-end: a stop signal during migrate's start-up (here while it loads
a 1.5 M-record completed.txt) prints what was interrupted and exits 130,
leaving every state file as it was and the bucket untouched."""
import hashlib
import os
import signal
import time
import unittest

from migrate_rig import MigrateTestCase

RECORDS = 1_500_000


def _digest(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class StartupSignalTest(MigrateTestCase):

    def _state(self):
        """{name: md5} of every file in the state dir."""
        return {name: _digest(os.path.join(self.state_dir, name))
                for name in sorted(os.listdir(self.state_dir))
                if name not in ("migration.log", ".cfmigrate.lock")}

    def _prepare(self):
        base = self.origin.base_url()
        with open(os.path.join(self.state_dir, "completed.txt"), "w") as f:
            f.writelines(f"{base}old/{i}.jpg\timages/{i}.jpg\t1000\t\n"
                         for i in range(RECORDS))
        with open(os.path.join(self.state_dir, "failed_transfers.txt"),
                  "w") as f:
            f.write(f"{base}old/x.jpg\tsource http 503 after 4 attempts\n")
        path = f"/{self.unique('startup')}/a.jpg"
        self.origin.add(path, size=1000)
        return self.write_urls([self.origin.url(path)])

    def _opened(self, pid, name):
        fd_dir = f"/proc/{pid}/fd"
        try:
            for fd in os.listdir(fd_dir):
                if os.readlink(os.path.join(fd_dir, fd)).endswith(name):
                    return True
        except OSError:
            pass
        return False

    def _interrupt_while_loading(self, sig):
        urls_file = self._prepare()
        before = self._state()
        proc = self.start_migrate(urls_file=urls_file)
        deadline = time.monotonic() + 60
        while (proc.poll() is None and time.monotonic() < deadline
               and not self._opened(proc.pid, "/completed.txt")):
            time.sleep(0.002)
        self.assertIsNone(proc.poll(), "migrate ended before the signal")
        os.kill(proc.pid, sig)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 130, out + err)
        self.assertIn("cfmigrate: interrupted while loading", err)
        self.assertIn("completed.txt", err)
        self.assertIn("nothing was changed", err)
        self.assertEqual(self._state(), before)  # no report, no rotation
        self.assertEqual(self.bucket_objects(), {})

    def test_sigint_while_loading_completed_txt(self):
        self._interrupt_while_loading(signal.SIGINT)

    def test_sigterm_while_loading_completed_txt(self):
        self._interrupt_while_loading(signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
