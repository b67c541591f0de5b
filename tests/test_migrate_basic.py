"""End-to-end: `cfmigrate migrate` from the test origin into moto (via the
integrity-checking proxy). Happy path, input leniency, malformed lines,
collisions, dry run, re-runs, integrity headers, multipart."""
import base64
import hashlib
import os
import re
import shutil
import unittest

from migrate_rig import (MigrateTestCase, flat_key, preserved_key,
                         quote_path)
from servers.s3_proxy import crc32c_b64  # noqa: E402 (after migrate_rig)


def md5_b64(data):
    return base64.b64encode(hashlib.md5(data).digest()).decode()


class HappyPathTest(MigrateTestCase):

    def tearDown(self):
        self.assertEqual(self.proxy.signature_failures, [])

    def test_two_hundred_files_arrive_byte_identical(self):
        top = self.unique("happy")
        paths = [f"/{top}/lot-{i // 5:03d}/image-{i:04d}.jpg"
                 for i in range(190)]
        paths += [f"/{top}/png/pic-{i}.png" for i in range(4)]
        paths += [f"/{top}/space name {i}.jpg" for i in range(3)]
        paths += [f"/{top}/tilde~under_score-dash.{i}.jpg" for i in range(2)]
        images = self.add_images(paths)
        images[f"/{top}/empty.jpg"] = self.origin.add(f"/{top}/empty.jpg",
                                                     size=0)
        urls = [self.origin.url(p) for p in images]
        query_path = f"/{top}/with-query.jpg"
        images[query_path] = self.origin.add(query_path)
        urls.append(self.origin.url(query_path) + "?v=3&w=200")

        run = self.migrate(urls)

        self.assertEqual(run.code, 0, run)
        objects = self.bucket_objects()
        expected = {flat_key(p): body for p, body in images.items()}
        self.assertEqual(sorted(objects), sorted(expected))
        for key, body in expected.items():
            self.assertEqual(objects[key], body, key)
        self.assertEqual(run.failed(), {})
        rows = run.completed()
        self.assertEqual(len(rows), len(urls))
        self.assertEqual({r[0] for r in rows}, set(urls))
        by_url = {r[0]: r for r in rows}
        for url, path in zip(urls, images):
            _, key, size, checksum = by_url[url]
            self.assertEqual(key, flat_key(path))
            self.assertEqual(size, len(images[path]))
            self.assertTrue(checksum, url)
        self.assertEqual(self.moto.head(self.bucket, flat_key(
            f"/{top}/png/pic-0.png"))["ContentType"], "image/png")
        report = run.report()
        self.assertEqual(report["total"], len(urls))
        self.assertEqual(report["succeeded"], len(urls))
        self.assertEqual(report["failed"], 0)
        self.assertEqual(report["exit_code"], 0)
        self.assertEqual(report["bytes"], sum(map(len, images.values())))
        self.assertTrue(os.path.exists(os.path.join(self.state_dir,
                                                    "migration.log")))

        # Every PUT proved its bytes: the origin's ETags are plain MD5s, so
        # each PUT carries Content-MD5 (checked by the proxy) and the ACL.
        puts = [r for r in self.proxy.records if r["method"] == "PUT"]
        self.assertEqual(len(puts), len(urls))
        for rec in puts:
            body = expected[rec["key"].split("/", 2)[2]]
            self.assertEqual(rec["headers"].get("content-md5"), md5_b64(body),
                             rec)
            self.assertEqual(rec["headers"].get("x-amz-acl"),
                             "bucket-owner-full-control")
            self.assertEqual(rec["status"], 200)

        # A second run finds everything done and touches nothing.
        hits_before = self.origin.total_hits()
        self.proxy.reset()
        again = self.migrate(urls_file=os.path.join(self.state_dir,
                                                    "urls.txt"))
        self.assertEqual(again.code, 0, again)
        self.assertEqual(self.proxy.count("PUT"), 0)
        self.assertEqual(self.origin.total_hits(), hits_before)
        self.assertEqual(again.report()["skipped_already_done"], len(urls))
        self.assertEqual(len(again.completed()), len(urls))

    def test_preserve_path_structure_keeps_nested_keys(self):
        top = self.unique("nested")
        paths = [f"/{top}/{d}/sub {d}/same-name.jpg" for d in "abc"]
        paths.append(f"/{top}/deep/a/b/c/d/e/leaf.png")
        images = self.add_images(paths)
        run = self.migrate([self.origin.url(p) for p in paths],
                           ["--preserve-path-structure",
                            "--destination-prefix", "archive/2024/"])
        self.assertEqual(run.code, 0, run)
        objects = self.bucket_objects()
        self.assertEqual(
            objects, {preserved_key(p, "archive/2024/"): b
                      for p, b in images.items()})

    def test_twelve_megabyte_image_goes_multipart_intact(self):
        path = f"/{self.unique('big')}/huge.jpg"
        body = self.origin.add(path, size=12 * 1024 * 1024 + 12345)
        run = self.migrate([self.origin.url(path)])
        self.assertEqual(run.code, 0, run)
        got = self.bucket_objects()[flat_key(path)]
        self.assertEqual(hashlib.md5(got).hexdigest(),
                         hashlib.md5(body).hexdigest())
        self.assertEqual(run.completed()[0][2], len(body))
        posts = [r for r in self.proxy.records if r["method"] == "POST"]
        self.assertTrue(any(r["query"].startswith("uploads") for r in posts),
                        "no CreateMultipartUpload")
        parts = [r for r in self.proxy.records if r["method"] == "PUT"
                 and "partNumber" in r["query"]]
        self.assertGreaterEqual(len(parts), 2)
        for rec in parts:
            h = rec["headers"]
            self.assertTrue("content-md5" in h
                            or "x-amz-checksum-crc32c" in h,
                            f"part without integrity header: {rec}")
        self.assertEqual(self.proxy.digest_failures, 0)

    def test_non_md5_etags_use_crc32c(self):
        top = self.unique("etags")
        cases = {f"/{top}/multi.jpg": "multipart", f"/{top}/weak.jpg": "weak",
                 f"/{top}/none.jpg": "none", f"/{top}/opaque.jpg": '"abc-2"'}
        images = {p: self.origin.add(p, etag=e) for p, e in cases.items()}
        run = self.migrate([self.origin.url(p) for p in cases])
        self.assertEqual(run.code, 0, run)
        objects = self.bucket_objects()
        for path, body in images.items():
            self.assertEqual(objects[flat_key(path)], body, path)
        puts = [r for r in self.proxy.records if r["method"] == "PUT"]
        self.assertEqual(len(puts), len(images))
        for path, body in images.items():
            (rec,) = [r for r in puts if r["key"].endswith(flat_key(path))]
            # Streamed over https: the CRC32C follows the body as a trailer.
            self.assertEqual(rec["trailers"],
                             {"x-amz-checksum-crc32c": crc32c_b64(body)}, rec)
            self.assertNotIn("content-md5", rec["headers"], rec)

    def test_checksum_md5_forced_on_weak_etag_source(self):
        path = f"/{self.unique('md5')}/x.jpg"
        body = self.origin.add(path, etag="weak")
        run = self.migrate([self.origin.url(path)], ["--checksum", "md5"])
        self.assertEqual(run.code, 0, run)
        (put,) = [r for r in self.proxy.records if r["method"] == "PUT"]
        self.assertEqual(put["headers"].get("content-md5"), md5_b64(body))

    def test_checksum_none_and_empty_acl_send_no_headers(self):
        path = f"/{self.unique('plain')}/x.jpg"
        body = self.origin.add(path)
        run = self.migrate([self.origin.url(path)],
                           ["--checksum", "none", "--s3-acl", ""])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects()[flat_key(path)], body)
        (put,) = [r for r in self.proxy.records if r["method"] == "PUT"]
        for header in ("content-md5", "x-amz-checksum-crc32c", "x-amz-acl"):
            self.assertNotIn(header, put["headers"])

    def test_checksum_crc32c_forced_on_md5_source(self):
        path = f"/{self.unique('crc')}/x.jpg"
        body = self.origin.add(path)
        run = self.migrate([self.origin.url(path)], ["--checksum", "crc32c"])
        self.assertEqual(run.code, 0, run)
        (put,) = [r for r in self.proxy.records if r["method"] == "PUT"]
        self.assertEqual(put["trailers"],
                         {"x-amz-checksum-crc32c": crc32c_b64(body)})
        self.assertNotIn("content-md5", put["headers"])


class SpecialNamesTest(MigrateTestCase):
    """Percent-encoded and non-ASCII names. moto rejects correct signatures
    for such keys, so here the proxy verifies SigV4 (and the payload hash)
    the way S3 does, with moto's own check off."""

    moto_auth = False

    def tearDown(self):
        self.assertEqual(self.proxy.signature_failures, [])

    def test_encoded_names_are_decoded_into_keys(self):
        top = self.unique("names")
        names = ["café.jpg", "日本語 写真.jpg", "naïve façade ü.png",
                 "a(1)'s.jpg", "a=b&c.jpg", "100%.jpg", "x@y$z,semi;.jpg",
                 "tab~tilde.jpg", "emoji-\U0001F600.jpg"]
        paths = [f"/{top}/{n}" for n in names]
        paths.append(f"/{top}/dir é/sub dir/ü nested.jpg")
        images = self.add_images(paths)
        urls = [self.origin.url(p) for p in paths]
        for url in urls:
            self.assertTrue(url.isascii(), url)
        run = self.migrate(urls, ["--preserve-path-structure"])
        self.assertEqual(run.code, 0, run)
        expected = {preserved_key(p): b for p, b in images.items()}
        self.assertEqual(self.bucket_objects(), expected)
        self.assertEqual({r[1] for r in run.completed()}, set(expected))

    def test_plus_and_bang_are_literal(self):
        top = self.unique("plus")
        paths = [f"/{top}/a+b.jpg", f"/{top}/c!d.jpg"]
        images = self.add_images(paths)
        raw_plus = self.origin.base_url() + f"{top}/raw+plus.jpg"
        images[f"/{top}/raw+plus.jpg"] = self.origin.add(
            f"/{top}/raw+plus.jpg")
        run = self.migrate([self.origin.url(p) for p in paths] + [raw_plus])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})

    def test_flattened_encoded_names(self):
        top = self.unique("flatnames")
        paths = [f"/{top}/d 1/café au lait.jpg", f"/{top}/d2/%41literal.jpg"]
        images = self.add_images(paths)
        run = self.migrate([self.origin.url(p) for p in paths])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})


class InputTest(MigrateTestCase):

    def test_bom_crlf_blank_whitespace_tab_and_duplicates(self):
        top = self.unique("lenient")
        paths = [f"/{top}/{n}.jpg" for n in ("one", "two", "three", "four")]
        images = self.add_images(paths)
        u = [self.origin.url(p) for p in paths]
        raw = ("\ufeff" + f"{u[0]}\r\n\r\n   {u[1]}   \r\n{u[0]}\n\n"
               f"{u[2]}\tkey-from-old-run\t123\n{u[1]}\r\n{u[3]}").encode()
        run = self.migrate(urls_file=self.write_urls(None, raw=raw))
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})
        self.assertEqual(sorted(r[0] for r in run.completed()), sorted(u))
        for p in paths:
            self.assertEqual(self.origin.get_hits(p), 1, p)
        self.assertEqual(run.report()["total"], 4)

    def test_malformed_lines_are_recorded_and_the_run_continues(self):
        top = self.unique("malformed")
        good = [f"/{top}/ok-{i}.jpg" for i in range(3)]
        images = self.add_images(good)
        bad = ["not a url at all",
               "ftp://127.0.0.1/x.jpg",
               "http://elsewhere.invalid/outside-prefix.jpg",
               self.origin.url(f"/{top}/directory/"),
               self.origin.base_url()]
        urls = [self.origin.url(p) for p in good]
        run = self.migrate([urls[0], *bad[:3], urls[1], *bad[3:], urls[2]])
        self.assertEqual(run.code, 1, run)
        failed = run.failed()
        self.assertEqual(sorted(failed), sorted(bad))
        for line, reason in failed.items():
            self.assertTrue(reason.startswith("malformed url"),
                            f"{line!r}: {reason!r}")
        self.assertEqual(run.completed_urls(), set(urls))
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})
        report = run.report()
        self.assertEqual(report["malformed"], len(bad))
        self.assertEqual(report["succeeded"], 3)
        self.assertEqual(report["exit_code"], 1)

    def test_input_with_no_url_is_refused(self):
        # An empty urls.txt is a collect that went wrong, never "done".
        for raw in (b"\n \r\n", b"not a url\n"):
            run = self.migrate(urls_file=self.write_urls(None, raw=raw))
            self.assertEqual(run.code, 2, run)
            self.assertIn("holds no URL", run.output)
        self.assertEqual(self.proxy.count(), 0)

    def test_missing_input_file_is_a_config_error(self):
        run = self.migrate(urls_file=os.path.join(self.state_dir, "nope.txt"))
        self.assertEqual(run.code, 2, run)
        self.assertIn("nope.txt", run.output)
        self.assertEqual(self.proxy.count(), 0)

    def test_key_collisions_stop_before_any_upload(self):
        top = self.unique("collide")
        paths = [f"/{top}/a/photo.jpg", f"/{top}/b/photo.jpg",
                 f"/{top}/c/other.jpg"]
        self.add_images(paths)
        urls = [self.origin.url(p) for p in paths]
        run = self.migrate(urls)
        self.assertEqual(run.code, 2, run)
        self.assertEqual(self.proxy.count("PUT"), 0)
        self.assertEqual(self.proxy.count("POST"), 0)
        self.assertIn("PRESERVE_PATH_STRUCTURE", run.output)
        self.assertIn("photo.jpg", run.output)
        self.assertEqual(self.bucket_objects(), {})
        self.assertEqual(run.completed(), [])

        fixed = self.migrate(urls, ["--preserve-path-structure"])
        self.assertEqual(fixed.code, 0, fixed)
        self.assertEqual(sorted(self.bucket_objects()),
                         sorted(preserved_key(p) for p in paths))

    def test_dry_run_contacts_nothing(self):
        top = self.unique("dry")
        paths = [f"/{top}/d/{i}.jpg" for i in range(20)]
        self.add_images(paths)
        run = self.migrate([self.origin.url(p) for p in paths],
                           ["--dry-run"])
        self.assertEqual(run.code, 0, run)
        self.assertIn("20", run.output)
        self.assertTrue(any(flat_key(p) in run.output for p in paths),
                        "no sample key printed")
        self.assertEqual(self.proxy.count(), 0)
        self.assertEqual(sum(self.origin.hits(p) for p in paths), 0)
        self.assertEqual(run.completed(), [])

    def test_dry_run_sample_heads_sources_only(self):
        top = self.unique("sample")
        paths = [f"/{top}/{i}.jpg" for i in range(30)]
        self.add_images(paths)
        run = self.migrate([self.origin.url(p) for p in paths],
                           ["--dry-run", "--sample", "5"])
        self.assertEqual(run.code, 0, run)
        self.assertEqual(self.proxy.count(), 0)
        touched = sum(self.origin.hits(p) for p in paths)
        self.assertEqual(touched, 5)
        self.assertEqual(sum(self.origin.get_hits(p) for p in paths), 0)


class ProgressTest(MigrateTestCase):

    def test_progress_line_every_thousand_files_on_console_and_log(self):
        top = self.unique("progress")
        paths = [f"/{top}/p{i}.jpg" for i in range(1100)]
        for p in paths:
            self.origin.add(p, size=200)
        run = self.migrate([self.origin.url(p) for p in paths],
                           ["--concurrency", "32"])
        self.assertEqual(run.code, 0, run)
        line = re.compile(r"progress (\d+)/1100 \((\d+\.\d)%\)")
        found = line.search(run.output)
        self.assertIsNotNone(found, run)
        self.assertGreaterEqual(int(found.group(1)), 1000)
        for word in ("files/s", "MB/s", "ETA", "failed"):
            self.assertIn(word, run.output)
        with open(os.path.join(self.state_dir, "migration.log")) as f:
            log = f.read()
        self.assertRegex(log, line)
        self.assertIn("summary", log)


class RerunTest(MigrateTestCase):

    def _run_with_one_missing(self):
        top = self.unique("rerun")
        paths = [f"/{top}/{i}.jpg" for i in range(10)]
        images = self.add_images(paths[:-1])
        urls = [self.origin.url(p) for p in paths]
        first = self.migrate(urls)
        self.assertEqual(first.code, 1, first)
        self.assertEqual(list(first.failed()), [urls[-1]])
        self.assertTrue(first.failed()[urls[-1]].startswith("source http 404"))
        images[paths[-1]] = self.origin.add(paths[-1])
        self.proxy.reset()
        return paths, urls, images

    def test_rerun_retries_earlier_failures_and_skips_done(self):
        paths, urls, images = self._run_with_one_missing()
        second = self.migrate(urls)
        self.assertEqual(second.code, 0, second)
        self.assertEqual(self.proxy.count("PUT"), 1)
        self.assertEqual(second.failed(), {})
        self.assertEqual(sorted(r[0] for r in second.completed()),
                         sorted(urls))
        self.assertEqual(self.bucket_objects(),
                         {flat_key(p): b for p, b in images.items()})

    def test_failed_transfers_file_is_a_valid_input(self):
        paths, urls, images = self._run_with_one_missing()
        retry = os.path.join(self.state_dir, "retry.txt")
        shutil.copy(os.path.join(self.state_dir, "failed_transfers.txt"),
                    retry)
        second = self.migrate(urls_file=retry)
        self.assertEqual(second.code, 0, second)
        self.assertEqual(self.proxy.count("PUT"), 1)
        self.assertEqual(self.bucket_objects()[flat_key(paths[-1])],
                         images[paths[-1]])

    def test_failed_transfers_file_in_place_as_input(self):
        # The obvious user command: --source-urls-file STATE_DIR/failed_...
        paths, urls, images = self._run_with_one_missing()
        second = self.migrate(urls_file=os.path.join(
            self.state_dir, "failed_transfers.txt"))
        self.assertEqual(second.code, 0, second)
        self.assertEqual(self.proxy.count("PUT"), 1)
        self.assertIn(urls[-1], second.completed_urls())


if __name__ == "__main__":
    unittest.main()
