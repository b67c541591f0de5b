"""Scale-out end to end: one list in S3 split over 4 local `cfmigrate
migrate` processes, indexed as AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX) and a
Kubernetes Indexed Job (JOB_COMPLETION_INDEX) set them, with a shared
STATE_URI. Real servers on 127.0.0.1: moto behind the SigV4-checking proxy
(moto's own check is off: it mis-verifies signed list requests whose prefix
holds a '/', and state prefixes do; the proxy still checks every request),
and the counting origin.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import uuid

from migrate_rig import BIN, MigrateTestCase, flat_key

SHARDS = 4
# Batch numbers array children with one variable, Kubernetes with another.
INDEX_VARS = ["AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX",
              "JOB_COMPLETION_INDEX", "JOB_COMPLETION_INDEX"]


class ScaleOutTest(MigrateTestCase):
    moto_auth = False
    default_flags = dict(MigrateTestCase.default_flags,
                         **{"--concurrency": "2"})

    def setUp(self):
        super().setUp()
        self.ops = "ops-" + uuid.uuid4().hex[:12]
        self.moto.create_bucket(self.ops)
        self.state_uri = f"s3://{self.ops}/state/run1/"
        self.origin.latency = 0.0
        self.addCleanup(setattr, self.origin, "latency", 0.0)

    # --- helpers ---------------------------------------------------------------
    def put_list(self, urls, key="lists/urls.txt"):
        self.moto.s3().put_object(
            Bucket=self.ops, Key=key,
            Body="".join(u + "\n" for u in urls).encode())
        return f"s3://{self.ops}/{key}"

    def fresh_dir(self):
        d = tempfile.mkdtemp(prefix="cfm-shard-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def start_shard(self, index, list_uri, state_dir, count=SHARDS):
        env = self.env()
        env["SHARD_COUNT"] = str(count)
        env[INDEX_VARS[index]] = str(index)
        argv = self.args(list_uri, ("--state-uri", self.state_uri),
                         state_dir=state_dir)
        proc = subprocess.Popen(
            argv, env=env, cwd=state_dir, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
            errors="replace", start_new_session=True)
        self.children.append(proc)
        return proc

    def finish(self, proc, timeout=120):
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out + err

    def state_keys(self, sub=""):
        return sorted(self.moto.listing(self.ops, "state/run1/" + sub))

    def cli(self, *argv, state_dir=None, extra_env=None):
        env = self.env()
        env.update(extra_env or {})
        return subprocess.run([BIN, *argv], env=env,
                              cwd=state_dir or self.state_dir,
                              capture_output=True, text=True, timeout=120)

    def validate(self, list_uri):
        d = self.fresh_dir()
        p = self.cli("validate", "--source-urls-file", list_uri,
                     "--destination-bucket", self.bucket,
                     "--source-url-prefix", self.origin.base_url(),
                     "--state-dir", d, "--state-uri", self.state_uri,
                     "--concurrency", "8", state_dir=d)
        with open(os.path.join(d, "validation_report.json")) as f:
            return p, json.load(f)

    def make_images(self, n):
        top = self.unique("so")
        paths = [f"/{top}/img-{i:04d}.jpg" for i in range(n)]
        images = self.add_images(paths, size=2000)
        return paths, images

    @staticmethod
    def segment_urls(objects):
        """URLs recorded in segment objects {key: bytes} (complete lines)."""
        urls = set()
        for body in objects.values():
            for line in body.decode().split("\n")[:-1]:
                if line and not line.startswith("#"):
                    urls.add(line.split("\t")[0])
        return urls

    # --- tests -----------------------------------------------------------------
    def test_four_shards_kill_restart_union_validate_and_status(self):
        paths, images = self.make_images(320)
        urls = [self.origin.url(p) for p in paths]
        list_uri = self.put_list(urls)
        self.origin.latency = 0.3  # ~6 files/s per shard: ~13 s each
        dirs = [self.fresh_dir() for _ in range(SHARDS)]
        procs = [self.start_shard(i, list_uri, dirs[i]) for i in range(SHARDS)]

        # Shard 1 is killed -9 once it has uploaded a segment of records
        # (and, in the same round, its status.json).
        deadline = time.monotonic() + 60
        while not (self.state_keys("shard-1-of-4/completed/") and
                   self.state_keys("shard-1-of-4/status.json")):
            self.assertLess(time.monotonic(), deadline, "no segment of shard 1")
            self.assertIsNone(procs[1].poll(), "shard 1 ended too early")
            time.sleep(0.1)
        os.killpg(procs[1].pid, signal.SIGKILL)
        procs[1].communicate()
        uploaded = self.segment_urls(self.moto.objects(
            self.ops, "state/run1/shard-1-of-4/completed/"))
        self.assertTrue(uploaded)
        for i in (0, 2, 3):
            code, out = self.finish(procs[i])
            self.assertEqual(code, 0, out)
            self.assertIn(f"migrate (shard {i} of 4)", out)
            with open(os.path.join(dirs[i], "migration_report.json")) as f:
                self.assertEqual(json.load(f)["shard"], f"shard {i} of 4")
            with open(os.path.join(dirs[i], "status.json")) as f:
                self.assertEqual(json.load(f)["shard"], f"shard {i} of 4")
            # The shard's state is in STATE_URI too.
            self.assertTrue({f"shard-{i}-of-4/{name}" for name in (
                "status.json", "failed_transfers.txt",
                "migration_report.json", "list.json")} <=
                {k[len("state/run1/"):] for k in self.state_keys()})

        # status aggregates; the killed shard, as it looks 61 s on, is DEAD.
        key = "state/run1/shard-1-of-4/status.json"
        stale = json.loads(self.moto.objects(self.ops, key)[key])
        self.assertTrue(stale["running"])
        stale["updated_at"] -= 61
        self.moto.s3().put_object(Bucket=self.ops, Key=key,
                                  Body=json.dumps(stale).encode())
        p = self.cli("status", "--state-uri", self.state_uri)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("shard 1 of 4: DEAD", p.stdout)
        self.assertIn("shard 0 of 4: ended: complete (exit 0)", p.stdout)
        self.assertIn("3 ended, 1 dead", p.stdout)
        j = json.loads(self.cli("status", "--state-uri", self.state_uri,
                                "--json").stdout)
        self.assertEqual(j["dead"], [1])

        # Restarted in a fresh, empty directory: resumes from STATE_URI.
        self.origin.latency = 0.0
        fresh = self.fresh_dir()
        code, out = self.finish(self.start_shard(1, list_uri, fresh))
        self.assertEqual(code, 0, out)
        p = self.cli("status", "--state-dir", fresh)
        self.assertIn(", shard 1 of 4): ended: complete", p.stdout)
        self.assertIn("STATE_DIR was empty: restored", out)
        with open(os.path.join(fresh, "migration_report.json")) as f:
            report = json.load(f)
        self.assertGreaterEqual(report["skipped_already_done"], len(uploaded))

        # Every object once, byte-identical; no URL fetched by two shards:
        # only the killed shard's in-flight, unrecorded ones twice.
        objects = self.bucket_objects()
        self.assertEqual(objects, {flat_key(p): images[p] for p in paths})
        for p, url in zip(paths, urls):
            hits = self.origin.get_hits(p)
            if url in uploaded:
                self.assertEqual(hits, 1, f"{p}: recorded, fetched again")
            else:
                self.assertIn(hits, (1, 2), p)
        twice = [p for p in paths if self.origin.get_hits(p) == 2]
        self.assertLessEqual(len(twice), 16, twice)  # at most in flight+5 s

        j = json.loads(self.cli("status", "--state-uri", self.state_uri,
                                "--json").stdout)
        self.assertEqual((j["done"], j["total"], j["dead"]), (320, 320, []))

        # validate over the union of every shard's records: no HEAD needed.
        self.origin.latency = 0.0
        heads_before = sum(self.origin.head_hits(p) for p in paths)
        p, report = self.validate(list_uri)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("RESULT: complete and intact", p.stdout)
        self.assertEqual(sum(self.origin.head_hits(x) for x in paths),
                         heads_before)
        self.assertEqual(sum(s["urls"] for s in report["shards"]), 320)
        self.assertIn("shard 3 of 4: ", p.stdout)

        # No silent success: shard 2's objects gone, validate says so.
        s3 = self.moto.s3()
        shard2 = [k for k in sorted(objects) if self._shard_of(k) == 2][:7]
        for k in shard2:
            s3.delete_object(Bucket=self.bucket, Key=k)
        p, report = self.validate(list_uri)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("RESULT: NOT complete/intact", p.stdout)
        by_shard = {s["shard"]: s["not_intact"] for s in report["shards"]}
        self.assertEqual(by_shard["shard 2 of 4"], 7)
        self.assertEqual(sum(by_shard.values()), 7)

    def test_union_validate_tells_gone_from_missing(self):
        paths, images = self.make_images(6)
        gone = f"/{self.unique('so-gone')}/img-gone.jpg"  # never added: 404
        urls = [self.origin.url(p) for p in paths + [gone]]
        list_uri = self.put_list(urls, key="lists/gone.txt")
        dirs = [self.fresh_dir() for _ in range(2)]
        procs = [self.start_shard(i, list_uri, dirs[i], count=2)
                 for i in range(2)]
        codes = sorted(self.finish(p)[0] for p in procs)
        self.assertEqual(codes, [0, 1])  # the gone URL's shard exits 1
        p, report = self.validate(list_uri)
        # Gone at the source (a shard's failure list says 404), not missing:
        # exit 1 still, but a re-run is not the advice.
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("RESULT: complete except 1 gone at the source", p.stdout)
        self.assertEqual(report["missing"], 0)
        d = self.fresh_dir()
        p = self.cli("validate", "--source-urls-file", list_uri,
                     "--destination-bucket", self.bucket,
                     "--source-url-prefix", self.origin.base_url(),
                     "--state-dir", d, "--state-uri", self.state_uri,
                     "--accept-gone", state_dir=d)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(d, "gone.txt")) as f:
            self.assertEqual(f.read(), urls[-1] + "\thttp 404\n")
        with open(os.path.join(d, "missing.txt")) as f:
            self.assertEqual(f.read(), "")
        self.assertEqual(len(self.bucket_objects()), 6)

    @staticmethod
    def _shard_of(key):
        h = 0xcbf29ce484222325
        for b in key.encode():
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        return h % SHARDS

    def test_list_changed_while_shards_run_is_refused(self):
        paths, _ = self.make_images(40)
        list_uri = self.put_list([self.origin.url(p) for p in paths])
        self.origin.latency = 0.5
        first = self.start_shard(0, list_uri, self.fresh_dir(), count=2)
        deadline = time.monotonic() + 60
        while not self.state_keys("shard-0-of-2/status.json"):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        self.put_list([self.origin.url(p) for p in paths[:10]])  # replaced
        code, out = self.finish(self.start_shard(1, list_uri, self.fresh_dir(),
                                                 count=2))
        self.assertEqual(code, 2, out)
        self.assertIn("changed while shards run", out)
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()

    def test_state_uri_that_cannot_be_used_stops_before_any_transfer(self):
        paths, _ = self.make_images(3)
        self.state_uri = "s3://no-such-bucket-" + uuid.uuid4().hex[:8] + "/s/"
        d = self.fresh_dir()
        code, out = self.finish(self.start_shard(
            0, self.write_urls([self.origin.url(p) for p in paths]), d,
            count=2))
        self.assertEqual(code, 2, out)
        self.assertIn("STATE_URI", out)
        self.assertEqual(self.bucket_objects(), {})
        self.assertEqual(sum(self.origin.get_hits(p) for p in paths), 0)

    def test_bad_shard_settings_exit_2_naming_them(self):
        env = {"SHARD_COUNT": "4", "AWS_BATCH_JOB_ARRAY_INDEX": "4"}
        p = self.cli("migrate", "--destination-bucket", self.bucket,
                     "--state-dir", self.fresh_dir(), extra_env=env)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("AWS_BATCH_JOB_ARRAY_INDEX=4", p.stderr)
        p = self.cli("migrate", "--destination-bucket", self.bucket,
                     "--state-dir", self.fresh_dir(),
                     extra_env={"JOB_COMPLETION_INDEX": "2"})
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("set SHARD_COUNT", p.stderr)
        p = self.cli("migrate", "--destination-bucket", self.bucket,
                     "--state-dir", self.fresh_dir(),
                     "--state-uri", "https://x/y")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("STATE_URI=https://x/y", p.stderr)


if __name__ == "__main__":
    unittest.main()
