"""The documents tell the truth: their runnable shell blocks run, and the env
templates hold exactly the settings the binary knows.

Runnable blocks are fenced blocks whose info string is `sh runnable` or
`sh runnable-local`, in README.md and docs/*.md. The blocks of one document
run in order, in one fresh temporary directory (a later block may use files
an earlier one made), each with `bash -e -o pipefail`, the directory of
CFMIGRATE_BIN first on PATH, HOME pointing at the temporary directory and no
AWS_* variables from the caller (AWS_EC2_METADATA_DISABLED=true, so nothing
reaches out to 169.254.169.254).

`sh runnable-local` blocks also get local stand-ins, started once per
document and stopped afterwards:
  ORIGIN               http://127.0.0.1:PORT, a CloudFront stand-in serving
                       any path with a deterministic JPEG-typed body; paths
                       containing "gone" answer 404, paths containing "flaky"
                       answer 503 to the first GET and 200 afterwards
  AWS_ENDPOINT_URL_S3  moto_server with SigV4 and IAM enforced, bucket
  AWS_ACCESS_KEY_ID…   `my-bucket` in us-west-2, and an IAM user's keys
  AWS_REGION
  API                  http://127.0.0.1:PORT, an image-list API stand-in
                       (class Api) with the sample responses of
                       docs/api-integration.md; token `secret-token`
"""

import http.server
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.abspath(os.environ.get("CFMIGRATE_BIN",
                                     os.path.join(ROOT, "build", "cfmigrate")))
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$",
                   re.M | re.S)
BLOCK_TIMEOUT_S = 300  # a hang guard, not an assertion


def load_generator():
    path = os.path.join(ROOT, "scripts", "gen_env_templates.py")
    spec = importlib.util.spec_from_file_location("gen_env_templates", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GEN = load_generator()


def doc_files():
    files = [os.path.join(ROOT, "README.md")]
    docs = os.path.join(ROOT, "docs")
    if os.path.isdir(docs):
        files += sorted(os.path.join(docs, f) for f in os.listdir(docs)
                        if f.endswith(".md"))
    return [f for f in files if os.path.exists(f)]


def runnable_blocks(path):
    """[(kind, line_number, body)] with kind 'runnable' or 'runnable-local'."""
    with open(path) as f:
        text = f.read()
    out = []
    for m in FENCE.finditer(text):
        words = m.group("info").split()
        if len(words) >= 2 and words[0] in ("sh", "bash") and \
                words[1] in ("runnable", "runnable-local"):
            line = text.count("\n", 0, m.start()) + 1
            out.append((words[1], line, m.group("body")))
    return out


def clean_env(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = os.path.dirname(BIN) + os.pathsep + env.get("PATH", "")
    env["HOME"] = tmp
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.pop("CURL_CA_BUNDLE", None)
    return env


class Origin:
    """A CloudFront stand-in on 127.0.0.1 (see the module docstring)."""

    def __init__(self):
        hits = {}
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, send_body):
                path = self.path.split("?", 1)[0]
                with lock:  # only GETs count for "flaky"
                    hits[path] = hits.get(path, 0) + int(send_body)
                    n = hits[path]
                if "gone" in path or ("flaky" in path and n == 1 and
                                      send_body):
                    status = 404 if "gone" in path else 503
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = (path.encode() + b"\n") * 200
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def do_GET(self):
                self.reply(True)

            def do_HEAD(self):
                self.reply(False)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


CDN = "https://d278yjzsv5tla9.cloudfront.net/auctionimages"
API_URLS = ["%s/%d/image%d.jpg" % (CDN, i, i) for i in range(1, 24)]  # 23
API_TOKEN = "secret-token"


class Api:
    """An image-list API stand-in with one endpoint per pagination style;
    the response shapes are the samples of docs/api-integration.md."""

    def __init__(self):
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def send_json(self, obj, headers=()):
                body = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def refuse(self):
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                h = self.headers
                bearer = h.get("Authorization") == "Bearer " + API_TOKEN
                try:
                    route = api.routes[url.path]
                except KeyError:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if not route(self, q, bearer):
                    self.refuse()

            def log_message(self, *args):
                pass

        self.routes = {
            "/v1/images": self.page,
            "/v2/images": self.offset,
            "/v3/images": self.cursor,
            "/v4/lots": self.next_url,
            "/v5/images": self.link,
        }
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    @staticmethod
    def page(h, q, bearer):
        if not bearer:
            return False
        page, size = int(q.get("page", 1)), int(q.get("per_page", 10))
        chunk = API_URLS[(page - 1) * size:page * size]
        h.send_json({
            "data": [{"id": API_URLS.index(u) + 1, "image": {"url": u}}
                     for u in chunk],
            "meta": {"page": page, "per_page": size,
                     "total": len(API_URLS)}})
        return True

    @staticmethod
    def offset(h, q, bearer):
        if h.headers.get("X-API-Key") != API_TOKEN:
            return False
        off, limit = int(q.get("offset", 0)), int(q.get("limit", 10))
        h.send_json({"count": len(API_URLS),
                     "results": [{"url": u}
                                 for u in API_URLS[off:off + limit]]})
        return True

    @staticmethod
    def cursor(h, q, bearer):
        if q.get("api_key") != API_TOKEN:
            return False
        start = int(q["cursor"][1:]) if q.get("cursor") else 0
        size = int(q.get("per_page", 10))
        end = start + size
        nxt = "c%d" % end if end < len(API_URLS) else None
        h.send_json({"items": [{"urls": {"full": u}}
                               for u in API_URLS[start:end]],
                     "paging": {"next_cursor": nxt}})
        return True

    @staticmethod
    def next_url(h, q, bearer):
        lots = [API_URLS[i:i + 2] for i in range(0, len(API_URLS), 2)]
        after, size = int(q.get("after", 0)), int(q.get("per_page", 5))
        chunk = lots[after:after + size]
        nxt = None
        if after + size < len(lots):
            nxt = "/v4/lots?after=%d&per_page=%d" % (after + size, size)
        h.send_json({"lots": [{"lot": after + i + 1,
                               "photos": [{"src": u} for u in photos]}
                              for i, photos in enumerate(chunk)],
                     "links": {"next": nxt}})
        return True

    def link(self, h, q, bearer):
        if not bearer:
            return False
        page, size = int(q.get("page", 1)), int(q.get("per_page", 10))
        headers = []
        if page * size < len(API_URLS):
            headers.append(("Link", '<%s/v5/images?page=%d&per_page=%d>; '
                            'rel="next"' % (self.url, page + 1, size)))
        h.send_json([{"url": u} for u in API_URLS[(page - 1) * size:
                                                  page * size]], headers)
        return True

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class RunnableBlocksTest(unittest.TestCase):
    def test_there_are_runnable_blocks(self):
        total = sum(len(runnable_blocks(f)) for f in doc_files())
        self.assertGreaterEqual(total, 5, "the docs lost their runnable blocks")

    def test_blocks_run(self):
        self.assertTrue(os.access(BIN, os.X_OK), "no binary at " + BIN)
        for path in doc_files():
            blocks = runnable_blocks(path)
            if blocks:
                with self.subTest(doc=os.path.relpath(path, ROOT)):
                    self.run_document(path, blocks)

    def run_document(self, path, blocks):
        tmp = tempfile.TemporaryDirectory(prefix="cfm-doc-")
        self.addCleanup(tmp.cleanup)
        env = clean_env(tmp.name)
        if any(kind == "runnable-local" for kind, _, _ in blocks):
            sys.path.insert(0, HERE)
            from servers.moto import MotoS3
            moto = MotoS3.start(self, buckets=["my-bucket"])
            env = moto.env(moto.user, base=env)
            env["AWS_EC2_METADATA_DISABLED"] = "true"
            origin = Origin()
            self.addCleanup(origin.stop)
            env["ORIGIN"] = origin.url
            api = Api()
            self.addCleanup(api.stop)
            env["API"] = api.url
        rel = os.path.relpath(path, ROOT)
        for kind, line, body in blocks:
            r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body],
                               cwd=tmp.name, env=env, capture_output=True,
                               text=True, timeout=BLOCK_TIMEOUT_S)
            self.assertEqual(
                r.returncode, 0,
                "%s:%d (%s) exited %d\n--- block ---\n%s--- stdout ---\n%s"
                "--- stderr ---\n%s" % (rel, line, kind, r.returncode, body,
                                        r.stdout[-3000:], r.stderr[-3000:]))


def template_names(path):
    """(NAME=value names, flags named in comments) of an env template."""
    names, flags = [], set()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("#"):
                flags.update(re.findall(r"--[a-z0-9-]+", line))
            elif "=" in line:
                names.append(line.split("=", 1)[0])
    return names, flags


class TemplatesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.help = GEN.load_settings(BIN)

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cfm-env-")
        self.addCleanup(self.tmp.cleanup)
        self.env = clean_env(self.tmp.name)

    def run_bin(self, *args):
        return subprocess.run([BIN] + list(args), cwd=self.tmp.name,
                              env=self.env, capture_output=True, text=True,
                              timeout=60)

    def expect_names(self, template, commands):
        settings = {}
        for cmd in commands:
            for s in self.help[cmd]:
                settings[s.name] = s
        names, flags = template_names(os.path.join(ROOT, template))
        self.assertEqual(len(names), len(set(names)), "a name twice")
        self.assertEqual(set(names), {n for n, s in settings.items()
                                      if not s.flag_only})
        with open(os.path.join(ROOT, template)) as f:
            text = f.read()
        for s in settings.values():
            self.assertEqual(s.flag in flags, s.flag_only, s.flag)
            if not s.flag_only:  # the default, on a line of its own
                self.assertIn("\n%s=%s\n" % (s.name, s.default), text)

    def test_collection_env_names_every_collect_setting(self):
        self.expect_names("collection.env", ["collect"])

    def test_migration_env_names_every_setting_of_its_commands(self):
        self.expect_names("migration.env", ["migrate", "validate",
                                            "detect-region"])

    def test_generated_files_are_current(self):
        r = subprocess.run([sys.executable,
                            os.path.join(ROOT, "scripts",
                                         "gen_env_templates.py"),
                            "--check", "--bin", BIN],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def copy_template(self, name, extra=""):
        with open(os.path.join(ROOT, name)) as f:
            text = f.read()
        with open(os.path.join(self.tmp.name, name), "w") as f:
            f.write(text + extra)

    def config_problems(self, stderr):
        return [l.strip() for l in stderr.splitlines() if l.startswith("  ")]

    def test_migration_env_loads_and_only_the_bucket_is_missing(self):
        self.copy_template("migration.env")
        with open(os.path.join(self.tmp.name, "urls.txt"), "w") as f:
            f.write("https://d278yjzsv5tla9.cloudfront.net/a/b.jpg\n")
        for cmd in ("migrate", "validate"):
            r = self.run_bin(cmd, "--env-file", "migration.env")
            self.assertEqual(r.returncode, 2, r.stderr)
            problems = self.config_problems(r.stderr)
            self.assertEqual(len(problems), 1, r.stderr)
            self.assertIn("DESTINATION_BUCKET is required", problems[0])
        r = self.run_bin("migrate", "--env-file", "migration.env",
                         "--destination-bucket", "my-bucket", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("images/b.jpg", r.stdout)  # DESTINATION_PREFIX default

    def test_migration_env_is_the_default_file_of_detect_region(self):
        self.copy_template("migration.env", "NOT_A_SETTING=1\n")
        r = self.run_bin("detect-region", "--url", "http://127.0.0.1:1/x.jpg")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("unknown setting NOT_A_SETTING", r.stderr)
        self.copy_template("migration.env")
        r = self.run_bin("detect-region", "--url", "http://127.0.0.1:1/x.jpg")
        self.assertNotIn("configuration error", r.stderr)

    def test_collection_env_loads_and_only_the_api_url_is_missing(self):
        self.copy_template("collection.env")
        r = self.run_bin("collect")  # collection.env is the default file
        self.assertEqual(r.returncode, 2, r.stderr)
        problems = self.config_problems(r.stderr)
        self.assertEqual(len(problems), 1, r.stderr)
        self.assertIn("API_BASE_URL is required", problems[0])

    def test_an_edited_template_value_is_read(self):
        self.copy_template("migration.env")
        path = os.path.join(self.tmp.name, "migration.env")
        with open(path) as f:
            text = f.read().replace("\nCONCURRENCY=auto\n",
                                    "\nCONCURRENCY=lots\n")
        with open(path, "w") as f:
            f.write(text)
        r = self.run_bin("migrate", "--env-file", "migration.env",
                         "--destination-bucket", "my-bucket", "--dry-run")
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"CONCURRENCY='lots' \(migration.env:\d+\)")


if __name__ == "__main__":
    unittest.main()
