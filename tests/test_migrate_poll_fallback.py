"""The transport's fallback for a process where epoll_create1 fails (out of
file descriptors, a seccomp profile that forbids it): curl_multi_poll and
curl_multi_perform instead of epoll. An LD_PRELOAD shim makes the call fail;
each run must say it fell back, or these tests would prove nothing. The
origin-fault matrix of test_migrate_faults runs again on the fallback, and a
plain run with a multipart object must copy everything intact."""
import unittest

import test_migrate_faults as faults
from migrate_rig import MigrateTestCase, PreloadedShim, flat_key

FELL_BACK = "polling every transfer instead"


class PollFallback(PreloadedShim):
    """Runs the binary with the shim preloaded."""

    shim_env = "CFMIGRATE_NO_EPOLL"
    shim_target = "no_epoll"

    def migrate(self, *args, **kw):
        run = super().migrate(*args, **kw)
        self.assertIn(FELL_BACK, run.stdout + run.stderr, run)
        return run


class PollFallbackOriginFaultTest(PollFallback, faults.OriginFaultTest):
    pass


class PollFallbackCopyTest(PollFallback, MigrateTestCase):

    def test_copies_small_and_multipart_objects_intact(self):
        top = self.unique("poll")
        images = self.add_images([f"/{top}/{i}.jpg" for i in range(30)])
        big = f"/{top}/big.jpg"
        images[big] = self.origin.add(big, size=12 * 1024 * 1024 + 99)
        run = self.migrate([self.origin.url(p) for p in images])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})
        self.assertEqual(len(run.completed()), len(images))
        self.assertEqual(run.failed(), {})


if __name__ == "__main__":
    unittest.main()
