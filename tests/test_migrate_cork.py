"""Streamed upload bodies are corked (TCP_CORK) while curl writes them, and
uncorked once their last byte is handed over: a connection left corked would
hold the tail of the next request sent on it for up to the kernel's 200 ms.
A preloaded shim (tests/shims/cork_log.cc, built by CMake as cork_log) logs
every TCP_CORK the process sets; each socket must be corked and uncorked in
turn and end uncorked, on both kinds of origin (an MD5 ETag sent as
Content-MD5, and a custom origin's body sent with a CRC32C trailer)."""
import collections
import os
import unittest

from migrate_rig import MigrateTestCase, PreloadedShim, flat_key


class CorkTest(PreloadedShim, MigrateTestCase):

    shim_env = "CFMIGRATE_CORK_LOG_SHIM"
    shim_target = "cork_log"

    def setUp(self):
        super().setUp()
        self.cork_log = os.path.join(self.state_dir, "cork.log")

    def env(self, endpoint=None):
        env = super().env(endpoint)
        env["CFMIGRATE_CORK_LOG"] = self.cork_log
        return env

    def corks(self):
        """{socket: [values set, in order]} from the shim's log."""
        by_fd = collections.defaultdict(list)
        if os.path.exists(self.cork_log):
            with open(self.cork_log) as f:
                for line in f:
                    fd, value = line.split()
                    by_fd[int(fd)].append(int(value))
        return by_fd

    def check_copy_and_corks(self, etag):
        top = self.unique("cork")
        # Bodies of several ring reads each, over few connections: most
        # bodies find their connection known and are corked.
        images = self.add_images([f"/{top}/{i}.jpg" for i in range(40)],
                                 size=300 * 1024 + 7, etag=etag)
        run = self.migrate([self.origin.url(p) for p in images],
                           extra=["--concurrency", "4"])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})
        corks = self.corks()
        corked = sum(v.count(1) for v in corks.values())
        self.assertGreaterEqual(corked, len(images) // 2, corks)
        for fd, values in corks.items():
            self.assertEqual(values, [1, 0] * (len(values) // 2),
                             f"socket {fd}: {values}")

    def test_md5_origin_bodies_are_uncorked_once_handed_over(self):
        self.check_copy_and_corks("md5")

    def test_custom_origin_bodies_are_uncorked_once_handed_over(self):
        self.check_copy_and_corks('"nginx-like-1a2b"')


if __name__ == "__main__":
    unittest.main()
