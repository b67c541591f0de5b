"""validate's verdict never depends on a record surviving: damaged, deleted
and added-after objects through repeated validate and repair rounds, and
URLs gone at the source (404/410/403) through rounds until missing.txt is
empty. Each step asserts the exit code, the exact missing.txt / gone.txt and
the bytes in S3. Real servers on 127.0.0.1 (moto behind the SigV4-checking
proxy, the fault-injecting origin)."""
import os
import unittest

from test_verdict_destination import VerdictCase

PREFIX = "v-"


class RepairLoopTest(VerdictCase):

    def setUp(self):
        super().setUp()
        self.images, self.urls = self.make_images("rep", n=6)
        self.paths = sorted(self.images)
        run = self.run_migrate(self.urls, PREFIX)
        self.assertEqual(run.code, 0, run)

    # --- helpers --------------------------------------------------------------
    def key(self, path):
        return PREFIX + path.rsplit("/", 1)[1]

    def put(self, path, body):
        self.moto.set_auth(False)
        try:
            self.moto.s3().put_object(Bucket=self.bucket, Key=self.key(path),
                                      Body=body)
        finally:
            self.moto.set_auth(True)

    def validate(self, *flags, code, missing, gone=()):
        """Runs validate; asserts its exit code and the exact lists."""
        v = self.run_validate(self.urls, PREFIX, extra=flags)
        self.assertEqual(v.code, code, v)
        self.assertEqual(self.lines_of("missing.txt"),
                         [self.origin.url(p) for p in missing], v)
        self.assertEqual(self.lines_of("gone.txt"), list(gone), v)
        return v

    def repair(self, copied):
        run = self.run_migrate(os.path.join(self.state_dir, "missing.txt"),
                               PREFIX)
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.proxy.count("PUT"), copied, run)

    def assert_bucket_is_origin(self):
        self.assertEqual(self.objects(PREFIX), self.flat(self.images, PREFIX))

    # --- tests ------------------------------------------------------------------
    def test_truncated_object_stays_reported_until_repaired(self):
        self.validate(code=0, missing=[])
        victim = self.paths[2]
        self.put(victim, self.images[victim][:50])
        v = self.validate(code=1, missing=[victim])
        self.assertIn("1 size differs", v.stdout)
        # The first validate pruned the record; the second still sees the
        # damage, by the source's size.
        v = self.validate(code=1, missing=[victim])
        self.assertIn("RESULT: NOT complete/intact", v.stdout)
        report = v.report_json()
        self.assertEqual(report["size_mismatches"], 1)
        self.assertEqual(report["source_size_check"]["mismatched"], 1)
        self.validate("--deep", "100", code=1, missing=[victim])
        self.repair(copied=1)
        self.assert_bucket_is_origin()
        self.validate(code=0, missing=[])
        v = self.validate("--deep", "100", code=0, missing=[])
        self.assertIn("RESULT: complete and intact", v.stdout)

    def test_same_size_overwrite_caught_by_deep_and_remembered(self):
        victim = self.paths[4]
        body = self.images[victim]
        self.put(victim, bytes(b ^ 0x5A for b in body))
        # Sizes alone cannot see it, and the summary says so.
        v = self.validate(code=0, missing=[])
        self.assertIn("NOT the bytes", v.stdout)
        v = self.validate("--deep", "100", "--seed", "3", code=1,
                          missing=[victim])
        self.assertIn("1 bytes differ", v.stdout)
        self.assertIn("# wrong\t" + self.origin.url(victim),
                      self.state_file("completed.txt"))
        # A plain validate after the deep one still reports it: the record
        # became a "# wrong" marker instead of vanishing.
        v = self.validate(code=1, missing=[victim])
        self.assertIn("RESULT: NOT complete/intact", v.stdout)
        self.repair(copied=1)
        self.assert_bucket_is_origin()
        self.validate(code=0, missing=[])
        self.validate("--deep", "100", code=0, missing=[])

    def test_deleted_and_added_after_objects(self):
        deleted = self.paths[0]
        self.moto.set_auth(False)
        try:
            self.moto.s3().delete_object(Bucket=self.bucket,
                                         Key=self.key(deleted))
        finally:
            self.moto.set_auth(True)
        # Added to the list after the migration: one never copied, one put
        # into the bucket by other means with the right bytes, one with
        # the wrong size. No record vouches for the last two.
        top = self.paths[0].split("/")[1]
        later = [f"/{top}/late/late-{i}.jpg" for i in range(3)]
        self.images.update(self.add_images(later))
        with open(self.urls, "a") as f:
            f.write("".join(self.origin.url(p) + "\n" for p in later))
        self.put(later[1], self.images[later[1]])
        self.put(later[2], self.images[later[2]] + b"junk")
        v = self.validate(code=1, missing=[deleted, later[0], later[2]])
        report = v.report_json()
        self.assertEqual(report["missing"], 2)
        self.assertEqual(report["size_mismatches"], 1)
        self.assertEqual(report["verified"], 6)
        self.assertEqual(report["source_size_check"]["checked"], 2)
        self.validate(code=1, missing=[deleted, later[0], later[2]])
        self.repair(copied=3)
        self.assert_bucket_is_origin()
        self.validate(code=0, missing=[])

    def test_unverifiable_object_is_not_intact(self):
        # The record is lost and the source cannot be asked: present is not
        # enough.
        os.remove(os.path.join(self.state_dir, "completed.txt"))
        sick = self.paths[1]
        self.origin.set_fault(sick, {"status": 500})
        v = self.validate(code=1, missing=[sick])
        self.assertEqual(v.report_json()["unverified"], 1)
        self.assertIn("unverified 1", v.stdout)
        self.origin.set_fault(sick, None)
        self.validate(code=0, missing=[])


class HelpTest(unittest.TestCase):

    def test_help_says_what_is_checked_and_what_is_not(self):
        import subprocess
        from migrate_rig import BIN
        r = subprocess.run([BIN, "validate", "--help"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        for text in ("the size\n    completed.txt recorded for that URL",
                     "Not checked without --deep or --etag-check: the bytes",
                     "\"unverified\", which is not intact",
                     "RESULT: complete and intact",
                     "RESULT: complete except N gone at the source   exit 1 "
                     "(0 with --accept-gone)",
                     "--accept-gone"):
            self.assertIn(text, r.stdout)


class GoneTest(VerdictCase):

    def test_gone_urls_leave_the_repair_loop(self):
        top = self.unique("gone")
        good = [f"/{top}/ok-{i}.jpg" for i in range(3)]
        images = self.add_images(good)
        faults = {f"/{top}/g404.jpg": {"status": 404},
                  f"/{top}/g410.jpg": {"status": 410},
                  f"/{top}/g403.jpg": {"status": 403},
                  f"/{top}/flaky.jpg": {"status": 503, "times": 1}}
        for p, fault in faults.items():
            images[p] = self.origin.add(p, fault=fault)
        order = good + list(faults)
        urls = self.write_urls([self.origin.url(p) for p in order])
        u = {p.rsplit("/", 1)[1]: self.origin.url(p) for p in order}
        gone = [u["g404.jpg"] + "\thttp 404", u["g410.jpg"] + "\thttp 410",
                u["g403.jpg"] + "\thttp 403"]

        def validate(*flags, code, missing, gone):
            v = self.run_validate(urls, PREFIX, extra=flags)
            self.assertEqual(v.code, code, v)
            self.assertEqual(self.lines_of("missing.txt"), missing, v)
            self.assertEqual(self.lines_of("gone.txt"), gone, v)
            return v

        def copied():
            return self.objects(PREFIX)

        run = self.run_migrate(urls, PREFIX, extra=("--max-retries", "0"))
        self.assertEqual(run.code, 1, run)
        # Round 1: the flaky one can be fixed by a re-run, the rest cannot.
        v = validate(code=1, missing=[u["flaky.jpg"]], gone=gone)
        self.assertIn("RESULT: NOT complete/intact", v.stdout)
        repair = self.run_migrate(os.path.join(self.state_dir, "missing.txt"),
                                  PREFIX)
        self.assertEqual(repair.code, 0, repair)
        # Round 2: nothing a re-run can fix is left.
        v = validate(code=1, missing=[], gone=gone)
        self.assertIn("RESULT: complete except 3 gone at the source",
                      v.stdout)
        self.assertIn("--accept-gone makes this exit 0", v.stdout)
        v = validate("--accept-gone", code=0, missing=[], gone=gone)
        self.assertEqual(v.report_json()["gone"], 3)
        self.assertEqual(copied(), {PREFIX + p.rsplit("/", 1)[1]: images[p]
                                    for p in good + [f"/{top}/flaky.jpg"]})
        # Round 3: one comes back at the source; a full re-run copies it
        # and it leaves gone.txt.
        self.origin.set_fault(f"/{top}/g410.jpg", None)
        again = self.run_migrate(urls, PREFIX)
        self.assertEqual(again.code, 1, again)
        self.assertEqual(self.proxy.count("PUT"), 1)
        v = validate(code=1, missing=[], gone=[gone[0], gone[2]])
        self.assertIn("RESULT: complete except 2 gone at the source",
                      v.stdout)
        self.assertEqual(copied(), {PREFIX + p.rsplit("/", 1)[1]: images[p]
                                    for p in good + [f"/{top}/flaky.jpg",
                                                     f"/{top}/g410.jpg"]})


if __name__ == "__main__":
    unittest.main()
