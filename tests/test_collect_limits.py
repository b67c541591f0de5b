"""`cfmigrate collect` against APIs that are shaped wrong, page wrong, go
down, or echo the token: it stops early and says which setting to check,
keeps every real URL, rides out outages, and never writes the token down.

Each test serves its API from a function (tests/servers/scripted_api.py)
and asserts urls.txt exactly, the exit code, the number of requests the API
saw, and that the token is in no file under STATE_DIR and not on the
console.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "servers"))
from scripted_api import ScriptedApi  # noqa: E402

BIN = os.path.abspath(os.environ.get("CFMIGRATE_BIN", "../build/cfmigrate"))
PREFIX = "https://d278yjzsv5tla9.cloudfront.net/"
TOKEN = "tok-9f3Qz-SECRET"


def url(i):
    return "%sauctionimages/%d/%07d.jpg" % (PREFIX, i // 1000, i)


def page_of(req, per_page, total, item):
    """Items of ?page=N (from 1) as a page-style API holds them."""
    page = int(req.query.get("page", "1"))
    start = (page - 1) * per_page
    return [item(i) for i in range(start, min(total, start + per_page))]


class CollectCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cfm-collect-lim-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.console = ""

    def serve(self, answer):
        self.api = ScriptedApi(answer).start()
        self.addCleanup(self.api.stop)
        return self.api

    def collect(self, *extra, style="page", items_path="results",
                url_field="url", auth="none"):
        args = ["--api-base-url", self.api.base + "/v1/images",
                "--api-pagination", style, "--api-auth-style", auth,
                "--api-rate-limit", "0", "--results-per-page", "10",
                "--api-items-path", items_path, "--api-url-field", url_field,
                "--state-dir", self.dir,
                "--output-file", os.path.join(self.dir, "urls.txt")]
        if auth != "none":
            args += ["--api-auth-token", TOKEN]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("API_", "OUTPUT_FILE", "STATE_DIR",
                                    "CHECKPOINT_", "SOURCE_URL"))}
        env["NO_PROXY"] = "*"
        proc = subprocess.run([BIN, "collect"] + args + list(extra),
                              cwd=self.dir, env=env, capture_output=True,
                              text=True, timeout=120)
        self.console += proc.stdout + proc.stderr
        return proc

    def urls(self):
        path = os.path.join(self.dir, "urls.txt")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as f:
            return f.read()

    def checkpoint(self):
        with open(os.path.join(self.dir, "checkpoint.json")) as f:
            return json.load(f)

    def log(self):
        with open(os.path.join(self.dir, "collection.log")) as f:
            return f.read()

    def assertTokenNowhere(self):
        self.assertNotIn(TOKEN, self.console)
        for root, _, files in os.walk(self.dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertNotIn(TOKEN.encode(), f.read(), name)

    def assertPrivate(self, name):
        mode = stat.S_IMODE(os.stat(os.path.join(self.dir, name)).st_mode)
        self.assertEqual(mode, 0o600, name)


def simple_pages(total, per_page=10, item=None, extra=None):
    item = item or (lambda i: {"id": i, "url": url(i)})

    def answer(req):
        body = {"results": page_of(req, per_page, total, item)}
        body.update(extra or {})
        return 200, body, []
    return answer


class WrongShapeTest(CollectCase):
    def test_wrong_url_field_stops_before_the_second_request(self):
        self.serve(simple_pages(500, item=lambda i: {
            "id": i, "title": "Lot %d of a long auction title" % i,
            "image": {"url": url(i), "w": 640}}))
        proc = self.collect()
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(self.api.count(), 1)
        self.assertIn("API_URL_FIELD 'url' reaches nothing", proc.stderr)
        self.assertIn('"id": 0', proc.stderr)
        self.assertIn("set API_URL_FIELD=image.url", proc.stderr)
        self.assertIn("…", proc.stderr)  # values cut short
        self.assertNotIn("collection complete", proc.stderr)
        self.assertEqual(self.urls(), "")
        # With the field the message names, the same state dir collects all.
        proc = self.collect(url_field="image.url")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(500)))
        self.assertEqual(self.api.count(), 1 + 51)

    def test_wrong_items_path_stops_before_the_second_request(self):
        self.serve(lambda req: (200, {"data": [{"url": url(1)}],
                                      "total": 1}, []))
        proc = self.collect()
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertEqual(self.api.count(), 1)
        self.assertIn("API_ITEMS_PATH 'results' reaches no list", proc.stderr)
        self.assertIn('"data": [', proc.stderr)

    def test_zero_urls_collected_is_not_a_success(self):
        self.serve(simple_pages(30, item=lambda i: {
            "url": "https://other.example/%d.jpg" % i}))
        proc = self.collect()
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("no URL at all", proc.stderr)
        self.assertIn("30 foreign (not under SOURCE_URL_PREFIX", proc.stderr)
        self.assertIn("e.g. https://other.example/0.jpg", proc.stderr)
        self.assertNotIn("collection complete", proc.stderr)
        self.assertEqual(self.urls(), "")
        self.assertEqual(self.api.count(), 4)  # 3 pages and an empty one
        # Running it again does not turn it into a success.
        self.assertEqual(self.collect().returncode, 2)


class KeepEveryUrlTest(CollectCase):
    def test_raw_spaces_and_utf8_are_encoded_and_skips_explained(self):
        raw = [PREFIX + "lots/my photo 3.jpg",
               PREFIX + "lots/caf\u00e9 cr\u00e8me.jpg",
               PREFIX + "lots/my%20photo%203.jpg",   # the first, encoded
               PREFIX + "lots/ok.jpg",
               "https://elsewhere.example/x.jpg",
               "/relative/only.jpg",
               PREFIX + "lots/ok.jpg"]
        self.serve(simple_pages(len(raw), per_page=10,
                                item=lambda i: {"url": raw[i]},
                                extra={"total": len(raw)}))
        proc = self.collect("--api-total-path", "total")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.urls(),
                         PREFIX + "lots/my%20photo%203.jpg\n" +
                         PREFIX + "lots/caf%C3%A9%20cr%C3%A8me.jpg\n" +
                         PREFIX + "lots/ok.jpg\n")
        self.assertEqual(self.api.count(), 1)
        self.assertIn("API total 7, 7 items seen in 1 pages; 2 duplicates, "
                      "1 foreign, 1 not URLs; 3 unique URLs written",
                      proc.stderr)
        self.assertIn("1 foreign (not under SOURCE_URL_PREFIX %s), e.g. "
                      "https://elsewhere.example/x.jpg" % PREFIX, proc.stderr)
        self.assertIn("e.g. /relative/only.jpg", proc.stderr)
        self.assertIn("2 duplicates (written once), e.g. %slots/my%%20photo"
                      % PREFIX, proc.stderr)
        cp = self.checkpoint()
        self.assertEqual((cp["duplicates"], cp["foreign"], cp["malformed"]),
                         (2, 1, 1))


class NoProgressTest(CollectCase):
    def test_api_ignoring_the_page_parameter(self):
        self.serve(lambda req: (200, {"results": [{"url": url(i)}
                                                  for i in range(10)]}, []))
        proc = self.collect("--api-page-param", "p")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(self.api.count(), 2)
        self.assertIn("same items as on the previous page", proc.stderr)
        self.assertIn("API_PAGE_PARAM (now 'p')", proc.stderr)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(10)))
        self.assertFalse(self.checkpoint()["done"])

    def test_cursor_cycle_a_b_c_a(self):
        nxt = {"": "A", "A": "B", "B": "C", "C": "A"}
        pos = {"": 0, "A": 1, "B": 2, "C": 3}

        def answer(req):
            c = req.query.get("cursor", "")
            return 200, {"results": [{"url": url(pos[c])}],
                         "next_cursor": nxt[c]}, []
        self.serve(answer)
        proc = self.collect(style="cursor")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(self.api.count(), 4)
        self.assertIn("a cursor it had sent before (A)", proc.stderr)
        self.assertIn("API_NEXT_CURSOR_PATH", proc.stderr)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(3)))
        self.assertEqual(self.checkpoint()["cursor"], "C")

    def test_alternating_next_urls(self):
        def answer(req):
            odd = req.query.get("half") == "b"
            return 200, {"results": [{"url": url(1 if odd else 0)}],
                         "next": "/v1/images?half=%s" % ("a" if odd else "b")
                         }, []
        self.serve(answer)
        proc = self.collect("--api-next-url-path", "next", style="next_url")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(self.api.count(), 3)
        self.assertIn("next URL it had sent before", proc.stderr)
        self.assertIn("API_NEXT_URL_PATH", proc.stderr)
        self.assertEqual(self.urls(), url(0) + "\n" + url(1) + "\n")

    def test_pages_without_new_urls_stop_after_api_stall_pages(self):
        # After page 2 every page repeats earlier URLs under new ids.
        self.serve(simple_pages(10 ** 6, item=lambda i: {
            "id": i, "url": url(i if i < 20 else i % 20)}))
        proc = self.collect()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(self.api.count(), 22)  # 2 good pages + 20 stalled
        self.assertIn("20 pages in a row added no new URL (API_STALL_PAGES=20)",
                      proc.stderr)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(20)))
        self.assertEqual(self.checkpoint()["page"], 23)

    def test_api_max_pages_takes_a_sample_then_resumes(self):
        self.serve(simple_pages(95, extra={"total": 95}))
        proc = self.collect("--api-max-pages", "3", "--api-total-path",
                            "total")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("API_MAX_PAGES=3", proc.stderr)
        self.assertIn("NOT complete", proc.stderr)
        self.assertEqual(self.api.count(), 3)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(30)))
        proc = self.collect("--api-total-path", "total")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.api.count(), 10)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(95)))


class OutageTest(CollectCase):
    def test_a_burst_of_503s_longer_than_max_retries_is_ridden_out(self):
        good = simple_pages(50, extra={"total": 50})
        failures = {"left": 30}

        def answer(req):
            if req.query.get("page") == "3" and failures["left"] > 0:
                failures["left"] -= 1
                return 503, {"error": "down"}, [("Retry-After", "0")]
            return good(req)
        self.serve(answer)
        proc = self.collect("--api-total-path", "total")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.api.count(), 5 + 30)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(50)))
        self.assertIn("the API answers again after 30 failed attempts",
                      proc.stderr)

    def test_an_outage_longer_than_the_window_stops_and_resumes(self):
        good = simple_pages(50, extra={"total": 50})
        down = {"on": True}

        def answer(req):
            if req.query.get("page") == "3" and down["on"]:
                return 503, {"error": "down"}, [("Retry-After", "1")]
            return good(req)
        self.serve(answer)
        proc = self.collect("--api-total-path", "total",
                            "--api-retry-window", "2",
                            "--api-max-retries", "0")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("API_RETRY_WINDOW=2s", proc.stderr)
        self.assertEqual(self.api.count(), 2 + 3)  # at 0 s, 1 s and 2 s
        self.assertEqual(self.checkpoint()["page"], 3)
        down["on"] = False
        proc = self.collect("--api-total-path", "total")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(50)))

    def test_a_400_is_not_retried(self):
        self.serve(lambda req: (400, {"error": "bad per_page"}, []))
        proc = self.collect()
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(self.api.count(), 1)
        self.assertIn("HTTP 400", proc.stderr)


AUTH_FLAGS = {"bearer": [], "header": ["--api-auth-header", "X-Key"],
              "query": ["--api-auth-query-param", "api_key"]}


def authorized(req, style):
    if style == "bearer":
        return req.headers.get("Authorization") == "Bearer " + TOKEN
    if style == "header":
        return req.headers.get("X-Key") == TOKEN
    return req.query.get("api_key") == TOKEN


class TokenTest(CollectCase):
    """Every auth style on every error path: the token reaches no file
    under STATE_DIR and not the console, and the files are 0600."""

    def run_paths(self, style):
        state = {"mode": "shape"}

        def answer(req):
            if not authorized(req, style):
                return 401, {"error": "no"}, []
            page = int(req.query.get("page", "1"))
            if state["mode"] == "shape":
                return 200, {"oops": {"token": TOKEN}}, []
            if state["mode"] == "down" and page == 3:
                return 500, "error for key " + TOKEN, []
            if state["mode"] == "expired" and page == 30:
                return 401, {"error": "expired " + TOKEN}, []
            items = [{"url": url(i), "owner_key": TOKEN}
                     for i in range((page - 1) * 10, page * 10)]
            to = 3 if state["mode"] == "cycle" and page == 6 else page + 1
            nxt = "/v1/images?page=%d&per_page=10&api_key=%s&x=%s" % (
                to, TOKEN, TOKEN) if page < 40 else None
            return 200, {"results": items, "next": nxt}, [
                ("Link", "<%s/v1/images?api_key=%s>; rel=\"self\"" % (
                    self.api.base, TOKEN))]
        self.serve(answer)
        flags = AUTH_FLAGS[style] + ["--api-next-url-path", "next",
                                     "--log-level", "TRACE"]
        run = lambda *more: self.collect(*(flags + list(more)),
                                         style="next_url", auth=style)
        self.assertEqual(run().returncode, 2)                  # shape
        state["mode"] = "down"
        proc = run("--api-retry-window", "0", "--api-max-retries", "0")
        self.assertEqual(proc.returncode, 1, proc.stderr)      # outage
        state["mode"] = "cycle"
        proc = run()
        self.assertEqual(proc.returncode, 1, proc.stderr)      # no progress
        self.assertIn("next URL it had sent before", proc.stderr)
        state["mode"] = "expired"
        proc = run()
        self.assertEqual(proc.returncode, 2, proc.stderr)      # 401 later
        self.assertRegex(proc.stderr, r"HTTP 401\) after \d+ pages it accepted")
        self.assertEqual(self.checkpoint()["urls_written"], 290)
        state["mode"] = "ok"
        proc = run()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.urls(), "".join(url(i) + "\n"
                                              for i in range(400)))
        self.assertIn("***", self.console)  # redacted, not left out
        self.assertTokenNowhere()
        self.assertPrivate("checkpoint.json")
        self.assertPrivate("collection.log")

    def test_bearer(self):
        self.run_paths("bearer")

    def test_header(self):
        self.run_paths("header")

    def test_query_with_the_token_echoed_in_next_links(self):
        self.run_paths("query")


if __name__ == "__main__":
    unittest.main()
