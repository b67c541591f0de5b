"""completed.txt records belong to a destination (bucket + key): a re-run to
a new prefix, a new bucket or with PRESERVE_PATH_STRUCTURE flipped copies
everything to the new place and leaves the old one alone; an old-format
(headerless, bucket-less) completed.txt still resumes. Real servers on
127.0.0.1: moto behind the SigV4-checking proxy, the fault-injecting origin.
"""
import json
import os
import subprocess
import unittest

from migrate_rig import BIN, MigrateTestCase, Run

HEADER = "# cfmigrate completed v2"


def _read_json(path):
    with open(path) as f:
        return json.load(f)


class VerdictCase(MigrateTestCase):
    """Helpers shared by the verdict tests: migrate and validate with an
    explicit bucket and prefix (no "/" in prefixes: moto mis-verifies signed
    list requests whose prefix holds one)."""

    def run_migrate(self, urls_file, prefix, bucket=None, extra=()):
        self.proxy.reset()
        return self.migrate(urls_file=urls_file, bucket=bucket,
                            extra=("--destination-prefix", prefix) +
                            tuple(extra))

    def run_validate(self, urls_file, prefix, bucket=None, extra=()):
        argv = [BIN, "validate", "--source-urls-file", urls_file,
                "--destination-bucket", bucket or self.bucket,
                "--destination-prefix", prefix,
                "--source-url-prefix", self.origin.base_url(),
                "--state-dir", self.state_dir, "--concurrency", "8",
                "--download-timeout", "5"] + list(extra)
        p = subprocess.run(argv, env=self.env(), cwd=self.state_dir,
                           capture_output=True, text=True, timeout=120)
        run = Run(p.returncode, p.stdout, p.stderr, self.state_dir)
        path = os.path.join(self.state_dir, "validation_report.json")
        run.report_json = lambda: _read_json(path)
        return run

    def state_file(self, name):
        path = os.path.join(self.state_dir, name)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return f.read()

    def lines_of(self, name):
        text = self.state_file(name)
        return [] if text is None else text.splitlines()

    def objects(self, prefix, bucket=None):
        return self.moto.objects(bucket or self.bucket, prefix)

    def make_images(self, stem, n=5):
        top = self.unique(stem)
        paths = [f"/{top}/d{i % 2}/img-{i}.jpg" for i in range(n)]
        images = self.add_images(paths)
        urls_file = self.write_urls([self.origin.url(p) for p in paths])
        return images, urls_file

    @staticmethod
    def flat(images, prefix):
        return {prefix + p.rsplit("/", 1)[1]: b for p, b in images.items()}


class DestinationTest(VerdictCase):

    def test_new_prefix_copies_everything_old_prefix_untouched(self):
        images, urls = self.make_images("pfx")
        first = self.run_migrate(urls, "a-")
        self.assertEqual(first.code, 0, first)
        self.assertEqual(self.objects("a-"), self.flat(images, "a-"))
        second = self.run_migrate(urls, "b-")
        self.assertEqual(second.code, 0, second)
        self.assertEqual(second.report()["succeeded"], 5)
        self.assertEqual(second.report()["skipped_already_done"], 0)
        self.assertEqual(self.proxy.count("PUT"), 5)
        self.assertEqual(self.objects("a-"), self.flat(images, "a-"))
        self.assertEqual(self.objects("b-"), self.flat(images, "b-"))
        # Both sets of records are kept; re-running either copies nothing.
        for prefix in ("a-", "b-"):
            again = self.run_migrate(urls, prefix)
            self.assertEqual(again.code, 0, again)
            self.assertEqual(self.proxy.count("PUT"), 0, prefix)
            self.assertEqual(again.report()["skipped_already_done"], 5)
            v = self.run_validate(urls, prefix)
            self.assertEqual(v.code, 0, v)
            self.assertIn("RESULT: complete and intact", v.stdout)
        lines = self.lines_of("completed.txt")
        self.assertEqual(lines[0], HEADER)
        self.assertEqual(len(lines), 11)
        self.assertEqual({tuple(l.split("\t")[1:2] + l.split("\t")[4:])
                          for l in lines[1:]},
                         {(k, self.bucket) for k in
                          list(self.flat(images, "a-")) +
                          list(self.flat(images, "b-"))})

    def test_new_bucket_copies_everything_old_bucket_untouched(self):
        images, urls = self.make_images("bkt")
        first = self.run_migrate(urls, "p-")
        self.assertEqual(first.code, 0, first)
        before = self.objects("p-")
        other = self.bucket + "-2"
        self.moto.create_bucket(other)
        second = self.run_migrate(urls, "p-", bucket=other)
        self.assertEqual(second.code, 0, second)
        self.assertEqual(second.report()["succeeded"], 5)
        self.assertEqual(self.proxy.count("PUT"), 5)
        self.assertEqual(self.objects("p-", other), self.flat(images, "p-"))
        self.assertEqual(self.objects("p-"), before)
        # Validate of one bucket neither uses nor prunes the other's records:
        # an object deleted from the first bucket is missing there only.
        victim = sorted(before)[0]
        self.moto.set_auth(False)
        try:
            self.moto.s3().delete_object(Bucket=self.bucket, Key=victim)
        finally:
            self.moto.set_auth(True)
        records_before = self.state_file("completed.txt")
        v2 = self.run_validate(urls, "p-", bucket=other)
        self.assertEqual(v2.code, 0, v2)
        self.assertEqual(self.state_file("missing.txt"), "")
        self.assertEqual(self.state_file("completed.txt"), records_before)
        v1 = self.run_validate(urls, "p-")
        self.assertEqual(v1.code, 1, v1)
        victim_url = [self.origin.url(p) for p in images
                      if p.endswith("/" + victim[2:])]
        self.assertEqual(self.lines_of("missing.txt"), victim_url)
        # Only the first bucket's record of the victim is gone.
        after = self.lines_of("completed.txt")
        self.assertEqual(len(after), 10)
        self.assertNotIn(victim + "\t", "".join(
            l + "\n" for l in after if l.endswith("\t" + self.bucket)))
        repair = self.run_migrate(os.path.join(self.state_dir, "missing.txt"),
                                  "p-")
        self.assertEqual(repair.code, 0, repair)
        self.assertEqual(self.proxy.count("PUT"), 1)
        self.assertEqual(self.objects("p-"), before)
        self.assertEqual(self.objects("p-", other), before)

    def test_preserve_path_structure_flipped_copies_everything(self):
        images, urls = self.make_images("layout")
        flat = self.run_migrate(urls, "l-")
        self.assertEqual(flat.code, 0, flat)
        self.assertEqual(self.objects("l-"), self.flat(images, "l-"))
        tree = self.run_migrate(urls, "l-",
                                extra=("--preserve-path-structure",))
        self.assertEqual(tree.code, 0, tree)
        self.assertEqual(tree.report()["succeeded"], 5)
        self.assertEqual(self.proxy.count("PUT"), 5)
        expected = self.flat(images, "l-")
        expected.update({"l-" + p.lstrip("/"): b for p, b in images.items()})
        self.assertEqual(self.objects("l-"), expected)


class OldFormatTest(VerdictCase):

    def test_headerless_records_resume_by_url_and_key(self):
        images, urls = self.make_images("v1")
        # What a finished run of the previous version left: the objects and
        # a completed.txt of four fields, no header, no bucket.
        s3 = self.moto.s3()
        self.moto.set_auth(False)
        v1 = []
        try:
            for key, body in self.flat(images, "o-").items():
                s3.put_object(Bucket=self.bucket, Key=key, Body=body)
            for p, body in sorted(images.items()):
                key = "o-" + p.rsplit("/", 1)[1]
                v1.append(f"{self.origin.url(p)}\t{key}\t{len(body)}\t")
        finally:
            self.moto.set_auth(True)
        # One record names another key: it does not count for "o-".
        stale_path = sorted(images)[0]
        v1[0] = v1[0].replace("\to-", "\told-")
        with open(os.path.join(self.state_dir, "completed.txt"), "w") as f:
            f.write("".join(l + "\n" for l in v1))
        same = self.run_migrate(urls, "o-")
        self.assertEqual(same.code, 0, same)
        self.assertEqual(same.report()["skipped_already_done"], 4)
        self.assertEqual(self.proxy.count("PUT"), 1)
        lines = self.lines_of("completed.txt")
        self.assertEqual(lines[:5], v1)  # old records kept as they were
        self.assertEqual(lines[5].split("\t"), [
            self.origin.url(stale_path), "o-" + stale_path.rsplit("/", 1)[1],
            str(len(images[stale_path])), lines[5].split("\t")[3],
            self.bucket])
        moved = self.run_migrate(urls, "n-")
        self.assertEqual(moved.code, 0, moved)
        self.assertEqual(self.proxy.count("PUT"), 5)
        self.assertEqual(self.objects("n-"), self.flat(images, "n-"))
        self.assertEqual(self.objects("o-"), self.flat(images, "o-"))
        v = self.run_validate(urls, "o-")
        self.assertEqual(v.code, 0, v)
        self.assertEqual(self.lines_of("completed.txt")[:5], v1)


if __name__ == "__main__":
    unittest.main()
