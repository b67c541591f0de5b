"""End-to-end: what lands in S3 is the image the source meant, whatever the
source answers. Compressed bodies and error pages are never stored,
redirects are followed the same way for every size (Range GETs included),
URLs as APIs write them are requested legally, and what cannot be copied is
failed at once without stopping the run. Each test checks the bytes in S3,
completed.txt XOR failed_transfers.txt, and the exit code.

The class runs with S3 over https (the streamed path for MD5 ETags); the
PlainHttp subclass repeats it with the whole-body path."""
import hashlib
import unittest

from migrate_rig import MigrateTestCase, flat_key
from servers.cdn_origin import _PAGE, CdnOrigin

MB = 1 << 20
BIG = 12 * MB + 4321


class SourceAnswerTest(MigrateTestCase):
    moto_auth = False  # raw UTF-8 keys; the proxy still checks SigV4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.origin = CdnOrigin().start()
        cls.addClassCleanup(cls.origin.stop)

    def _check(self, run, stored, failed, code):
        """`stored` {path: bytes} in S3 and completed.txt only; `failed`
        {url: reason} in failed_transfers.txt only, their keys absent."""
        self.assertEqual(run.code, code, run)
        objects = self.bucket_objects()
        urls = set(failed)
        for path, body in stored.items():
            key = flat_key(path)
            self.assertEqual(hashlib.md5(objects.get(key, b"?")).hexdigest(),
                             hashlib.md5(body).hexdigest(), path)
        self.assertEqual(run.failed(), failed, run)
        self.assertEqual(len(run.completed()), len(stored), run)
        for url in urls:
            self.assertNotIn(url, run.completed_urls())
        self.assertEqual(len(objects), len(stored), sorted(objects))
        self.assert_completed_consistent(run, objects)

    # --- Content-Encoding ----------------------------------------------------
    def test_compressed_bodies_are_never_stored(self):
        top = self.unique("enc")
        good = f"/{top}/plain.jpg"
        body = self.origin.add(good, size=200_000)
        failed = {}
        for name in ("gzip", "br"):
            path = f"/{top}/{name}.jpg"
            self.origin.add(path, size=200_000)  # MD5 ETag of the plain image
            self.origin.answer(path, {"encoding": name})
            failed[self.origin.url(path)] = \
                f"source sent Content-Encoding: {name}"
        run = self.migrate([self.origin.url(good), *failed])
        self._check(run, {good: body}, failed, 1)
        # Failed at once: the reasons above carry no "after N attempts".

    def test_compressed_range_answers_of_a_large_object(self):
        path = f"/{self.unique('encbig')}/big.jpg"
        self.origin.add(path, size=BIG)
        self.origin.answer(path, {"encoding": "gzip", "ranged_only": True})
        url = self.origin.url(path)
        run = self.migrate([url])
        self._check(run, {}, {url: "source sent Content-Encoding: gzip"}, 1)
        self.assertGreaterEqual(self.origin.range_hits(path), 1)  # the pool's

    # --- error pages ---------------------------------------------------------
    def test_error_pages_are_never_stored_and_never_stop_the_run(self):
        top = self.unique("html")
        # More error pages than the "first 20 all failed alike" stop rule.
        pages = [f"/{top}/missing-{i}.jpg" for i in range(25)]
        for p in pages:
            self.origin.answer(p, {"html": True})
        good = f"/{top}/zz-present.jpg"
        body = self.origin.add(good, size=30_000)
        run = self.migrate([self.origin.url(p) for p in pages] +
                           [self.origin.url(good)],
                           ["--concurrency", "2"])
        failed = {self.origin.url(p): "source answered text/html"
                  for p in pages}
        self._check(run, {good: body}, failed, 1)
        self.assertNotIn("run stopped", run.output)

    def test_error_page_of_a_large_object_range(self):
        path = f"/{self.unique('htmlbig')}/big.jpg"
        self.origin.add(path, size=BIG)
        self.origin.answer(path, {"html": True, "ranged_only": True})
        url = self.origin.url(path)
        run = self.migrate([url])
        self._check(run, {}, {url: "source answered text/html"}, 1)

    def test_reject_content_types_can_be_widened_or_emptied(self):
        top = self.unique("types")
        txt = f"/{top}/note.jpg"
        self.origin.add(txt, size=1000, content_type="text/plain")
        url = self.origin.url(txt)
        run = self.migrate([url], ["--reject-content-types", "text/*"])
        self._check(run, {}, {url: "source answered text/plain"}, 1)
        page = f"/{top}/page.jpg"
        self.origin.answer(page, {"html": True})
        run = self.migrate([self.origin.url(page)],
                           ["--reject-content-types", ""])
        self._check(run, {page: _PAGE}, {}, 0)

    # --- redirects -----------------------------------------------------------
    def test_every_redirect_status_is_followed(self):
        top = self.unique("redir")
        stored, urls = {}, []
        for code in (301, 302, 303, 307, 308):
            target = f"/{top}/target-{code}.bin"
            body = self.origin.add(target, size=150_000 + code)
            path = f"/{top}/r{code}.jpg"
            # Relative locations for some, absolute for the others.
            where = target if code % 2 else self.origin.url(target)
            self.origin.answer(path, {"redirect": code, "location": where})
            stored[path] = body
            urls.append(self.origin.url(path))
        run = self.migrate(urls)
        self._check(run, stored, {}, 0)

    def test_a_redirect_loop_fails_at_once(self):
        top = self.unique("loop")
        hops = [f"/{top}/hop{i}.jpg" for i in range(7)]
        self.origin.add(hops[-1], size=1000)
        for a, b in zip(hops, hops[1:]):
            self.origin.answer(a, {"redirect": 302, "location": b})
        url = self.origin.url(hops[0])
        run = self.migrate([url])
        self._check(run, {}, {url: "source redirected more than 5 times"},
                      1)

    def test_large_objects_follow_redirects_with_their_ranges(self):
        top = self.unique("redirbig")
        target = f"/{top}/stored/big.bin"
        body = self.origin.add(target, size=BIG)
        path = f"/{top}/big.jpg"
        self.origin.answer(path, {"redirect": 301,
                                  "location": self.origin.url(target)})
        run = self.migrate([self.origin.url(path)])
        self._check(run, {path: body}, {}, 0)
        self.assertGreaterEqual(self.origin.range_hits(target), 2)
        self.assertGreaterEqual(self.origin.get_hits(path), 3)

    # --- URLs as APIs write them -------------------------------------------
    def test_urls_with_raw_spaces_utf8_and_escapes(self):
        top = self.unique("raw")
        base = self.origin.base_url()
        cases = {f"{base}{top}/a b.jpg": f"/{top}/a b.jpg",
                 f"{base}{top}/caf\u00e9 \u00fcber.jpg":
                     f"/{top}/caf\u00e9 \u00fcber.jpg",
                 f"{base}{top}/50%25 off.jpg": f"/{top}/50% off.jpg"}
        stored = {path: self.origin.add(path, size=20_000)
                  for path in cases.values()}
        run = self.migrate(list(cases))
        self._check(run, stored, {}, 0)
        # The state keeps each URL exactly as listed.
        self.assertEqual(run.completed_urls(), set(cases))

    def test_encoded_slash_is_requested_as_written(self):
        top = self.unique("slash")
        url = f"{self.origin.base_url()}{top}/a%2Fb.jpg"
        body = self.origin.add(f"/{top}/a/b.jpg", size=10_000)
        run = self.migrate([url], ["--preserve-path-structure"])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(run.completed_urls(), {url})
        self.assertEqual(run.failed(), {})
        objects = self.bucket_objects()
        self.assertEqual(list(objects.values()), [body])

    def test_dot_segments_are_requested_as_written(self):
        top = self.unique("dots")
        url = f"{self.origin.base_url()}{top}/x/../y.jpg"
        body = self.origin.add(f"/{top}/x/../y.jpg", size=5000)
        run = self.migrate([url])
        self._check(run, {f"/{top}/y.jpg": body}, {}, 0)
        self.assertEqual(self.origin.get_hits(f"/{top}/y.jpg"), 0)

    def test_dot_segments_in_kept_paths_are_malformed_not_a_stop(self):
        top = self.unique("dotkeys")
        base = self.origin.base_url()
        # More than the "first 20 all failed alike" stop rule.
        bad = [f"{base}{top}/x{i}/../y{i}.jpg" for i in range(25)]
        good = f"/{top}/ok.jpg"
        body = self.origin.add(good, size=5000)
        run = self.migrate(bad + [self.origin.url(good)],
                           ["--preserve-path-structure"])
        self.assertEqual(run.code, 1, run)
        failed = run.failed()
        self.assertEqual(set(failed), set(bad))
        for url in bad:
            self.assertTrue(failed[url].startswith("malformed url"),
                            failed[url])
        self.assertEqual(run.completed_urls(), {self.origin.url(good)})
        self.assertEqual(self.bucket_objects(),
                         {"images" + good: body})
        # Never requested: neither as written nor with the dots resolved.
        self.assertEqual(self.origin.hits(f"/{top}/x0/../y0.jpg"), 0)
        self.assertEqual(self.origin.hits(f"/{top}/y0.jpg"), 0)
        self.assertEqual(run.report()["malformed"], 25)
        self.assertNotIn("run stopped", run.output)


class SourceAnswerPlainHttpTest(SourceAnswerTest):
    proxy_tls = False


if __name__ == "__main__":
    unittest.main()
