"""Integration tests of `cfmigrate validate` against moto (SigV4 enforced) and
a local image origin, all on 127.0.0.1."""

import concurrent.futures
import http.client
import json
import os
import random
import subprocess
import tempfile
import unittest

from servers.image_origin import ImageOrigin
from servers.moto import MotoS3

BIN = os.environ.get("CFMIGRATE_BIN", "../build/cfmigrate")
BUCKET = "dest"


def image(i, size=None):
    rnd = random.Random(i)
    size = size if size is not None else rnd.randint(100, 5000)
    return bytes(rnd.getrandbits(8) for _ in range(size))


class ValidateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # One moto for the class (it takes seconds to start); each test uses
        # its own prefix.
        cls.moto = MotoS3.start(None, buckets=[BUCKET])

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.s3 = self.moto.boto3_s3()
        # No "/" in list prefixes: moto mis-verifies signed queries holding
        # one (see tests/test_s3_client.py).
        self.prefix = "t%d-" % random.randrange(10**9)
        self.files = {}
        for i in range(20):
            self.files["/img/d%d/photo_%d.jpg" % (i % 3, i)] = image(i)
        # moto rejects signed requests for non-ASCII keys (see moto.py);
        # %-decoding is still exercised by the space.
        self.files["/img/d0/my%20photo.jpg"] = image(99)
        self.origin = ImageOrigin.start(self, self.files)

    # Helpers -------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def key_for(self, url_path):
        from urllib.parse import unquote
        return self.prefix + unquote(url_path.rsplit("/", 1)[1])

    def write_urls(self, paths=None, name="urls.txt"):
        paths = sorted(self.files) if paths is None else paths
        with open(self.path(name), "w") as f:
            for p in paths:
                f.write(self.origin.url(p) + "\n")
        return self.path(name)

    def migrate_by_hand(self):
        """Puts every file into the bucket and records it in completed.txt,
        as a finished migrate run would."""
        with open(self.path("completed.txt"), "w") as f:
            for p, body in sorted(self.files.items()):
                key = self.key_for(p)
                self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
                f.write("%s\t%s\t%d\t\n" % (self.origin.url(p), key, len(body)))

    def run_cli(self, command, *flags, creds=None, urls="urls.txt"):
        env = self.moto.env(creds or self.moto.user)
        args = [BIN, command, "--destination-bucket", BUCKET,
                "--destination-prefix", self.prefix,
                "--source-url-prefix", self.origin.base + "/",
                "--source-urls-file", self.path(urls),
                "--state-dir", self.dir.name] + list(flags)
        return subprocess.run(args, env=env, capture_output=True, text=True,
                              timeout=600)

    def validate(self, *flags, **kw):
        r = self.run_cli("validate", *flags, **kw)
        report = None
        if os.path.exists(self.path("validation_report.json")):
            with open(self.path("validation_report.json")) as f:
                report = json.load(f)
        return r, report

    def missing_list(self):
        with open(self.path("missing.txt")) as f:
            return [line.strip() for line in f if line.strip()]

    # Tests ---------------------------------------------------------------

    def test_complete_migration_validates_clean(self):
        self.write_urls()
        self.migrate_by_hand()
        r, report = self.validate("--etag-check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(report["complete_and_intact"])
        self.assertEqual(report["expected"], 21)
        self.assertEqual(report["present"], 21)
        self.assertEqual(report["missing"], 0)
        self.assertEqual(report["extra"], 0)
        self.assertEqual(report["etag_check"]["checked"], 21)
        self.assertEqual(report["etag_check"]["mismatched"], 0)
        self.assertEqual(self.missing_list(), [])
        self.assertIn("complete and intact", r.stdout)

    def test_unwritable_report_is_exit_1_even_when_intact(self):
        # The bucket is complete and intact, but without its report the
        # verdict cannot be relied on: no exit 0.
        self.write_urls()
        self.migrate_by_hand()
        os.mkdir(self.path("validation_report.json"))
        with open(os.path.join(self.path("validation_report.json"), "x"), "w"):
            pass
        r = self.run_cli("validate")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("validation report not written: ", r.stdout + r.stderr)
        self.assertIn("rename to " + self.path("validation_report.json"),
                      r.stdout + r.stderr)
        self.assertFalse(os.path.exists(self.path("validation_report.json.tmp")))
        with open(self.path("status.json")) as f:
            self.assertEqual(json.load(f)["exit_code"], 1)

    def test_deleted_objects_reported_and_listed_in_missing_txt(self):
        self.write_urls()
        self.migrate_by_hand()
        gone = ["/img/d1/photo_4.jpg", "/img/d0/my%20photo.jpg"]
        for p in gone:
            self.s3.delete_object(Bucket=BUCKET, Key=self.key_for(p))
        r, report = self.validate()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertFalse(report["complete_and_intact"])
        self.assertEqual(report["missing"], 2)
        self.assertEqual(report["present"], 19)
        self.assertEqual(sorted(self.missing_list()),
                         sorted(self.origin.url(p) for p in gone))
        # completed.txt no longer claims them, so migrate retries them.
        with open(self.path("completed.txt")) as f:
            completed = f.read()
        for p in gone:
            self.assertNotIn(self.origin.url(p) + "\t", completed)
        self.assertEqual(report["completed_records_removed"], 2)

    def test_same_size_overwrite_caught_by_deep(self):
        self.write_urls()
        self.migrate_by_hand()
        victim = "/img/d2/photo_5.jpg"
        body = self.files[victim]
        evil = bytes(b ^ 0xFF for b in body)
        self.s3.put_object(Bucket=BUCKET, Key=self.key_for(victim), Body=evil)
        r, report = self.validate()  # sizes alone cannot see it
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r, report = self.validate("--deep", "1000", "--seed", "7")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(report["deep"]["seed"], 7)
        self.assertEqual(report["deep"]["sampled"], 21)
        self.assertEqual(report["deep"]["checked"], 21)
        self.assertEqual(report["deep"]["mismatched"], 1)
        self.assertEqual(report["corrupt"][0]["key"], self.key_for(victim))
        self.assertIn("seed 7", r.stdout)
        self.assertEqual(self.missing_list(), [self.origin.url(victim)])
        # validate remembers it (a "# wrong" marker replaced its record):
        # still wrong without any check, and not checked again.
        r, report = self.validate("--etag-check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(report["bytes_differ"], 1)
        self.assertEqual(report["etag_check"]["checked"], 20)
        self.assertEqual(self.missing_list(), [self.origin.url(victim)])

    def test_same_size_overwrite_caught_by_etag_check(self):
        self.write_urls()
        self.migrate_by_hand()
        victim = "/img/d1/photo_7.jpg"
        evil = bytes(b ^ 0x0F for b in self.files[victim])
        self.s3.put_object(Bucket=BUCKET, Key=self.key_for(victim), Body=evil)
        r, report = self.validate("--etag-check")  # HEAD requests only
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(report["etag_check"]["mismatched"], 1)
        self.assertEqual(self.missing_list(), [self.origin.url(victim)])

    def test_deep_fraction_and_size_mismatch(self):
        self.write_urls()
        self.migrate_by_hand()
        victim = "/img/d0/photo_3.jpg"
        self.s3.put_object(Bucket=BUCKET, Key=self.key_for(victim), Body=b"x")
        r, report = self.validate("--deep-fraction", "1")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(report["size_mismatches"], 1)
        self.assertEqual(report["deep"]["checked"], 20)  # not the mismatch
        self.assertEqual(report["deep"]["mismatched"], 0)
        self.assertIsInstance(report["deep"]["seed"], int)
        self.assertEqual(self.missing_list(), [self.origin.url(victim)])

    def test_extra_objects_reported_without_failing(self):
        self.write_urls()
        self.migrate_by_hand()
        self.s3.put_object(Bucket=BUCKET, Key=self.prefix + "stray.jpg",
                           Body=b"zz")
        self.s3.put_object(Bucket=BUCKET, Key="elsewhere/stray.jpg",
                           Body=b"zz")
        r, report = self.validate()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(report["extra"], 1)
        self.assertEqual(report["examples"]["extra"],
                         [self.prefix + "stray.jpg"])
        self.assertEqual(report["listed"], 22)

    def test_migrate_on_missing_txt_repairs_the_bucket(self):
        self.write_urls()
        r = self.run_cli("migrate")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r, report = self.validate("--deep", "5")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(report["present"], 21)
        gone = ["/img/d2/photo_8.jpg", "/img/d0/my%20photo.jpg"]
        for p in gone:
            self.s3.delete_object(Bucket=BUCKET, Key=self.key_for(p))
        r, report = self.validate()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(sorted(self.missing_list()),
                         sorted(self.origin.url(p) for p in gone))
        r = self.run_cli("migrate", urls="missing.txt")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for p in gone:
            got = self.s3.get_object(Bucket=BUCKET, Key=self.key_for(p))
            self.assertEqual(got["Body"].read(), self.files[p])
        r, report = self.validate("--deep-fraction", "1")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(report["complete_and_intact"])
        self.assertEqual(report["deep"]["checked"], 21)
        self.assertEqual(self.missing_list(), [])

    def test_missing_required_setting_is_exit_2(self):
        self.write_urls()
        r = subprocess.run([BIN, "validate", "--state-dir", self.dir.name],
                           env=self.moto.env(self.moto.user),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("DESTINATION_BUCKET", r.stderr)

    def test_empty_list_is_refused_not_complete(self):
        # A bucket holding everything and a list holding nothing (a failed
        # collect, blank lines, a BOM) proves nothing: exit 2, never intact.
        self.migrate_by_hand()
        with open(self.path("urls.txt"), "w") as f:
            f.write("\ufeff\n  \n\r\n")
        r, _ = self.validate()
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("holds no URL", r.stderr)
        self.assertNotIn("complete and intact", r.stdout + r.stderr)

    def test_missing_urls_file_is_exit_2(self):
        r, _ = self.validate(urls="nope.txt")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("nope.txt", r.stderr)


class ValidatePermissionsTest(unittest.TestCase):
    def test_access_denied_names_the_permission(self):
        limited = {}

        def seed(moto):
            iam = moto._client("iam")
            iam.create_user(UserName="putonly")
            iam.put_user_policy(
                UserName="putonly", PolicyName="put",
                PolicyDocument=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                   "Resource": "*"}]}))
            k = iam.create_access_key(UserName="putonly")["AccessKey"]
            limited["creds"] = (k["AccessKeyId"], k["SecretAccessKey"])

        moto = MotoS3.start(self, buckets=[BUCKET], seed=seed)
        from servers.moto import Creds
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        urls = os.path.join(d.name, "urls.txt")
        with open(urls, "w") as f:
            f.write("https://cdn.example/a.jpg\n")
        r = subprocess.run(
            [BIN, "validate", "--destination-bucket", BUCKET,
             "--destination-prefix", "images-",
             "--source-url-prefix", "https://cdn.example/",
             "--source-urls-file", urls, "--state-dir", d.name],
            env=moto.env(Creds(*limited["creds"])), capture_output=True,
            text=True, timeout=120)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("s3:ListBucket", r.stderr)


    def test_deep_without_get_object_names_the_permission(self):
        limited = {}

        def seed(moto):
            iam = moto._client("iam")
            iam.create_user(UserName="listonly")
            iam.put_user_policy(
                UserName="listonly", PolicyName="list",
                PolicyDocument=json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow",
                                   "Action": "s3:ListBucket",
                                   "Resource": "*"}]}))
            k = iam.create_access_key(UserName="listonly")["AccessKey"]
            limited["creds"] = (k["AccessKeyId"], k["SecretAccessKey"])
            moto._client("s3").put_object(Bucket=BUCKET, Key="images-a.jpg",
                                          Body=b"abc")

        moto = MotoS3.start(self, buckets=[BUCKET], seed=seed)
        origin = ImageOrigin.start(self, {"/a.jpg": b"abc"})
        from servers.moto import Creds
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        urls = os.path.join(d.name, "urls.txt")
        with open(urls, "w") as f:
            f.write(origin.url("/a.jpg") + "\n")
        base = [BIN, "validate", "--destination-bucket", BUCKET,
                "--destination-prefix", "images-",
                "--source-url-prefix", origin.base + "/",
                "--source-urls-file", urls, "--state-dir", d.name]
        env = moto.env(Creds(*limited["creds"]))
        r = subprocess.run(base, env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = subprocess.run(base + ["--deep", "1"], env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("s3:GetObject", r.stdout)


class ValidateLargeListingTest(unittest.TestCase):
    N = 50000

    def test_50000_keys_across_pages(self):
        def seed(moto):
            # Auth is still off while seeding, so plain keep-alive PUTs are
            # accepted; much cheaper than 50,000 signed boto3 calls.
            def put(lo):
                conn = http.client.HTTPConnection("127.0.0.1", moto.port,
                                                  timeout=60)
                for i in range(lo, min(lo + 1000, self.N)):
                    conn.request("PUT", "/%s/big-img_%06d.jpg" % (BUCKET, i),
                                 body=b"")
                    r = conn.getresponse()
                    r.read()
                    assert r.status == 200, r.status
                conn.close()
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                list(pool.map(put, range(0, self.N, 1000)))
            moto._client("s3").put_object(Bucket=BUCKET,
                                          Key="big-zz_extra.jpg", Body=b"")

        moto = MotoS3.start(self, buckets=[BUCKET], seed=seed)
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        urls = os.path.join(d.name, "urls.txt")
        with open(urls, "w") as f:
            for i in range(self.N + 3):  # 3 never uploaded
                f.write("https://cdn.example/p/img_%06d.jpg\n" % i)
        # The records of the run that copied them (no source to ask here).
        with open(os.path.join(d.name, "completed.txt"), "w") as f:
            f.write("# cfmigrate completed v2\n")
            for i in range(self.N):
                f.write("https://cdn.example/p/img_%06d.jpg\tbig-img_%06d.jpg"
                        "\t0\t\t%s\n" % (i, i, BUCKET))
        r = subprocess.run(
            [BIN, "validate", "--destination-bucket", BUCKET,
             "--destination-prefix", "big-", "--concurrency", "8",
             "--source-url-prefix", "https://cdn.example/",
             "--source-urls-file", urls, "--state-dir", d.name],
            env=moto.env(moto.user), capture_output=True, text=True,
            timeout=600)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        with open(os.path.join(d.name, "validation_report.json")) as f:
            report = json.load(f)
        self.assertEqual(report["listed"], self.N + 1)
        self.assertEqual(report["present"], self.N)
        self.assertEqual(report["missing"], 3)
        self.assertEqual(report["extra"], 1)
        with open(os.path.join(d.name, "missing.txt")) as f:
            self.assertEqual(f.read().split(), [
                "https://cdn.example/p/img_%06d.jpg" % i
                for i in range(self.N, self.N + 3)])


if __name__ == "__main__":
    unittest.main()
