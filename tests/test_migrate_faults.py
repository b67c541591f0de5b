"""End-to-end fault handling of `cfmigrate migrate`: every origin fault and
S3 fault ends with the object intact in the bucket XOR the URL listed in
failed_transfers.txt with the right reason; retries are counted on the
origin; run-stopping S3 errors exit 2 early."""
import hashlib
import subprocess
import unittest

from migrate_rig import MigrateTestCase, flat_key

RETRIES = 3
ATTEMPTS = RETRIES + 1
# S3 throttling (SlowDown, 503) has a budget of its own on top of RETRIES
# (kExtraThrottleRetries in src/retry_policy.h).
EXTRA_THROTTLE_RETRIES = 6

# name: (fault, expected outcome, expected GETs at the origin).
# Outcome "ok" means the object must arrive intact; otherwise the tuple of
# accepted reason prefixes in failed_transfers.txt. When the expected GETs
# are ATTEMPTS the reason must also end with " after ATTEMPTS attempts";
# when 1, it must not mention attempts.
ORIGIN_FAULTS = {
    "503-twice": ({"status": 503, "times": 2}, "ok", 3),
    "500-once": ({"status": 500, "times": 1}, "ok", 2),
    "502-once": ({"status": 502, "times": 1}, "ok", 2),
    "504-once": ({"status": 504, "times": 1}, "ok", 2),
    "429-retry-after": ({"status": 429, "times": 1, "retry_after": 1},
                        "ok", 2),
    "503-always": ({"status": 503}, ("source http 503",), ATTEMPTS),
    "429-always": ({"status": 429, "retry_after": 1}, ("source http 429",),
                   ATTEMPTS),
    "404": ({"status": 404}, ("source http 404",), 1),
    "410": ({"status": 410}, ("source http 410",), 1),
    "403": ({"status": 403}, ("source http 403",), 1),
    "reset-once": ({"reset": True, "times": 1}, "ok", 2),
    "reset-always": ({"reset": True}, ("source connection error",
                                      "source truncated body"),
                     ATTEMPTS),
    "short-once": ({"short": True, "times": 1}, "ok", 2),
    "short-always": ({"short": True}, ("source truncated body",), ATTEMPTS),
    "stall-once": ({"stall": 8, "times": 1}, "ok", 2),
    "stall-always": ({"stall": 8}, ("source timeout",), ATTEMPTS),
    "stall-headers": ({"stall_headers": 8}, ("source timeout",), ATTEMPTS),
    "corrupt-once": ({"corrupt": True, "times": 1}, "ok", 2),
    "corrupt-always": ({"corrupt": True},
                       ("source checksum mismatch",),
                       ATTEMPTS),
}


class OriginFaultTest(MigrateTestCase):

    def test_each_origin_fault(self):
        top = self.unique("faults")
        cases, urls = {}, []
        for name, (fault, outcome, gets) in ORIGIN_FAULTS.items():
            path = f"/{top}/{name}.jpg"
            body = self.origin.add(path, size=60_000, fault=fault)
            cases[name] = (path, body, outcome, gets)
            urls.append(self.origin.url(path))
        clean = [f"/{top}/clean-{i}.jpg" for i in range(20)]
        images = self.add_images(clean)
        urls += [self.origin.url(p) for p in clean]

        run = self.migrate(urls, ["--download-timeout", "2",
                                  "--max-retries", str(RETRIES)],
                           timeout=110)

        self.assertEqual(run.code, 1, run)
        self.assert_exactly_one_outcome(run, urls)
        objects = self.bucket_objects()
        failed = run.failed()
        for name, (path, body, outcome, gets) in cases.items():
            with self.subTest(fault=name):
                url, key = self.origin.url(path), flat_key(path)
                if outcome == "ok":
                    self.assertIn(url, run.completed_urls(),
                                  f"{name}: {failed.get(url)}")
                    self.assertEqual(
                        hashlib.md5(objects.get(key, b"?")).hexdigest(),
                        hashlib.md5(body).hexdigest(), name)
                else:
                    self.assertNotIn(key, objects, name)
                    self.assertIn(url, failed, name)
                    reason = failed[url]
                    self.assertTrue(reason.startswith(outcome),
                                    f"{name}: {reason!r} not {outcome}")
                    if gets == ATTEMPTS:
                        self.assertTrue(reason.endswith(
                            f" after {ATTEMPTS} attempts"), reason)
                    else:
                        self.assertNotIn("attempts", reason)
                self.assertEqual(self.origin.get_hits(path), gets, name)
        for p, body in images.items():
            self.assertEqual(objects[flat_key(p)], body, p)
        report = run.report()
        n_fail = sum(1 for c in cases.values() if c[2] != "ok")
        self.assertEqual(report["failed"], n_fail)
        self.assertEqual(report["succeeded"], len(urls) - n_fail)
        self.assertEqual(report["exit_code"], 1)

    def test_zero_retries_records_single_attempt(self):
        path = f"/{self.unique('noretry')}/x.jpg"
        self.origin.add(path, fault={"status": 503})
        run = self.migrate([self.origin.url(path)], ["--max-retries", "0"])
        self.assertEqual(run.code, 1, run)
        self.assertEqual(self.origin.get_hits(path), 1)
        reason = run.failed()[self.origin.url(path)]
        self.assertTrue(reason.startswith("source http 503"), reason)


class S3FaultTest(MigrateTestCase):

    def _images(self, n, stem):
        top = self.unique(stem)
        return self.add_images([f"/{top}/{i}.jpg" for i in range(n)],
                               size=3000)

    def _assert_all_arrived(self, run, images):
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})
        self.assertEqual(run.failed(), {})
        self.assertEqual(len(run.completed()), len(images))

    def test_slowdown_every_third_put(self):
        images = self._images(120, "storm")
        self.proxy.set_rules([{"code": "SlowDown", "status": 503,
                               "every": 3}])
        # A key fails only if every one of its attempts lands on a third
        # PUT: (1/3)^13 per key with these retries, so this cannot flake.
        run = self.migrate([self.origin.url(p) for p in images],
                           ["--max-retries", "6"])
        self._assert_all_arrived(run, images)
        self.assertGreaterEqual(self.proxy.faults_injected, 40)

    def test_slowdown_twice_per_key_then_success(self):
        images = self._images(60, "perkey")
        self.proxy.set_rules([{"code": "SlowDown", "status": 503,
                               "first_per_key": 2}])
        run = self.migrate([self.origin.url(p) for p in images])
        self._assert_all_arrived(run, images)
        self.assertEqual(self.proxy.faults_injected, 2 * len(images))
        self.assertEqual(self.proxy.count("PUT"), 3 * len(images))

    def test_internal_error_burst(self):
        images = self._images(30, "ise")
        self.proxy.set_rules([{"code": "InternalError", "status": 500,
                               "first": 10}])
        run = self.migrate([self.origin.url(p) for p in images])
        self._assert_all_arrived(run, images)

    def test_slowdown_forever_on_one_key_fails_that_key_only(self):
        images = self._images(10, "onekey")
        victim = next(iter(images))
        # Retry-After: 0 keeps the test fast through the throttling budget.
        self.proxy.set_rules([{"code": "SlowDown", "status": 503,
                               "retry_after": 0,
                               "key_regex": flat_key(victim) + "$"}])
        urls = [self.origin.url(p) for p in images]
        run = self.migrate(urls)
        self.assertEqual(run.code, 1, run)
        self.assert_exactly_one_outcome(run, urls)
        reason = run.failed()[self.origin.url(victim)]
        self.assertTrue(reason.startswith("s3 SlowDown"), reason)
        attempts = ATTEMPTS + EXTRA_THROTTLE_RETRIES
        self.assertTrue(reason.endswith(f" after {attempts} attempts"),
                        reason)
        self.assertEqual(sum(1 for r in self.proxy.records
                             if r["method"] == "PUT"
                             and r["key"].endswith(flat_key(victim))),
                         attempts)
        self.assertEqual(len(self.bucket_objects()), len(images) - 1)

    def test_permanent_s3_error_on_one_key_is_not_retried(self):
        images = self._images(30, "perm")
        victim = next(iter(images))
        self.proxy.set_rules([{"code": "InvalidRequest", "status": 400,
                               "key_regex": flat_key(victim) + "$"}])
        urls = [self.origin.url(p) for p in images]
        run = self.migrate(urls)
        self.assertEqual(run.code, 1, run)
        self.assert_exactly_one_outcome(run, urls)
        reason = run.failed()[self.origin.url(victim)]
        self.assertTrue(reason.startswith("s3 InvalidRequest"), reason)
        self.assertNotIn("attempts", reason)
        self.assertEqual(sum(1 for r in self.proxy.records
                             if r["method"] == "PUT"
                             and r["key"].endswith(flat_key(victim))), 1)
        self.assertEqual(len(self.bucket_objects()), len(images) - 1)

    def test_every_upload_failing_the_same_way_stops_the_run(self):
        images = self._images(400, "samefail")
        self.proxy.set_rules([{"code": "InvalidRequest", "status": 400}])
        run = self.migrate([self.origin.url(p) for p in images], timeout=60)
        self.assertEqual(run.code, 2, run)
        self.assertLess(self.proxy.count("PUT"), 100)
        self.assertLess(len(run.failed()), 100)
        self.assertIn("InvalidRequest", run.output)

    def test_upload_stall_times_out_then_succeeds(self):
        images = self._images(3, "putstall")
        self.proxy.set_rules([{"stall": 8, "first_per_key": 1}])
        run = self.migrate([self.origin.url(p) for p in images],
                           ["--upload-timeout", "2"])
        self._assert_all_arrived(run, images)

    def test_access_denied_stops_the_run(self):
        images = self._images(400, "denied")
        self.proxy.set_rules([{"code": "AccessDenied", "status": 403,
                               "methods": []}])
        run = self.migrate([self.origin.url(p) for p in images], timeout=60)
        self.assertEqual(run.code, 2, run)
        self.assertIn("AccessDenied", run.output)
        self.assertLess(len(run.failed()), 50)
        self.assertLess(self.proxy.count(), 100)
        self.assertEqual(run.completed(), [])
        # One clear message, not one error line per file.
        self.assertLess(run.output.count("AccessDenied"), 20, run)

    def test_missing_bucket_stops_the_run(self):
        images = self._images(200, "nobucket")
        run = self.migrate([self.origin.url(p) for p in images],
                           bucket="no-such-bucket-" + self.bucket[4:],
                           timeout=60)
        self.assertEqual(run.code, 2, run)
        self.assertIn("NoSuchBucket", run.output)
        self.assertLess(self.proxy.count(), 100)
        self.assertLess(run.output.count("NoSuchBucket"), 20, run)

    def test_wrong_secret_key_stops_the_run(self):
        images = self._images(200, "badsig")
        urls_file = self.write_urls([self.origin.url(p) for p in images])
        env = self.env()
        env["AWS_SECRET_ACCESS_KEY"] = "wrong" + env["AWS_SECRET_ACCESS_KEY"]
        res = subprocess.run(self.args(urls_file), env=env,
                             cwd=self.state_dir, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(res.returncode, 2, res.stdout + res.stderr)
        self.assertIn("SignatureDoesNotMatch", res.stdout + res.stderr)
        self.assertEqual(self.bucket_objects(), {})


if __name__ == "__main__":
    unittest.main()
