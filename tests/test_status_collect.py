"""`cfmigrate status` after a collect run: collect writes status.json at
its start and end (its own progress stays in collection.log)."""
import json
import subprocess
import unittest

from test_collect import BIN, CollectTestBase


class CollectStatusTest(CollectTestBase):

    def test_status_after_collect(self):
        self.start_api(style="page", items=250)
        proc = self.run_collect(self.flags("page"))
        self.assertCollected(proc)
        p = subprocess.run([BIN, "status", "--state-dir", self.dir, "--json"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual((j["command"], j["running"], j["exit_code"],
                          j["done"], j["outcome"]),
                         ("collect", False, 0, 250, "complete"))
        screen = subprocess.run([BIN, "status", "--state-dir", self.dir],
                                capture_output=True, text=True, timeout=30)
        self.assertIn("ended: complete (exit 0)", screen.stdout)
        self.assertIn("  done       250\n", screen.stdout)


if __name__ == "__main__":
    unittest.main()
