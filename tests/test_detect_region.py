"""End-to-end tests of `cfmigrate detect-region` against a local origin that
plays CloudFront by sending x-amz-cf-pop."""
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIN = os.path.abspath(os.environ.get("CFMIGRATE_BIN", "../build/cfmigrate"))


class Origin(BaseHTTPRequestHandler):
    """/pop/<VALUE>/x.jpg answers with x-amz-cf-pop: VALUE; /plain/ without."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.server.methods.append(self.command)
        parts = self.path.split("/")
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", "1234")
        if len(parts) > 2 and parts[1] == "pop":
            self.send_header("x-amz-cf-pop", parts[2])
            self.send_header("x-cache", "Hit from cloudfront")
        self.end_headers()


class DetectRegionTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cfm-detect-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
        server.daemon_threads = True
        server.methods = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.server = server
        self.base = "http://127.0.0.1:%d" % server.server_address[1]

    def detect(self, *args):
        env = {k: v for k, v in os.environ.items()
               if k not in ("SOURCE_URLS_FILE", "URL")}
        env["NO_PROXY"] = "*"
        return subprocess.run([BIN, "detect-region"] + list(args),
                              cwd=self.dir, env=env, capture_output=True,
                              text=True, timeout=60)

    def assertAdvice(self, proc, region, *phrases):
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("Recommended region: " + region, proc.stdout)
        for phrase in phrases:
            self.assertIn(phrase, proc.stdout)

    def test_seattle_pop_from_first_url_of_urls_txt(self):
        with open(os.path.join(self.dir, "urls.txt"), "w") as f:
            f.write("\ufeff\n  %s/pop/SEA19-C1/a.jpg\t1\r\n%s/plain/b.jpg\n"
                    % (self.base, self.base))
        proc = self.detect()
        self.assertAdvice(proc, "us-west-2", "SEA19-C1", "Seattle, US")
        self.assertNotIn("fallback", proc.stdout)
        self.assertEqual(self.server.methods, ["HEAD"])

    def test_unencoded_url_is_asked_legally(self):
        # As an API writes it: a raw space, which curl would refuse.
        proc = self.detect("--url", self.base + "/pop/FRA56-P1/a b.jpg")
        self.assertAdvice(proc, "eu-central-1", "FRA56-P1")
        self.assertNotIn("fallback", proc.stdout)

    def test_frankfurt_pop(self):
        proc = self.detect("--url", self.base + "/pop/FRA56-P1/a.jpg")
        self.assertAdvice(proc, "eu-central-1", "FRA56-P1", "Frankfurt, DE")

    def test_tokyo_pop(self):
        proc = self.detect("--url", self.base + "/pop/NRT57-C3/a.jpg")
        self.assertAdvice(proc, "ap-northeast-1", "NRT57-C3", "Tokyo, JP")

    def test_pop_outside_hand_table_uses_nearest_region(self):
        proc = self.detect("--url", self.base + "/pop/DFW56-C1/a.jpg")
        self.assertAdvice(proc, "us-east-2", "Dallas", "great-circle")

    def test_unknown_code_falls_back_with_reason(self):
        proc = self.detect("--url", self.base + "/pop/QQQ50-C1/a.jpg")
        self.assertAdvice(proc, "us-west-2 (fallback)", "QQQ",
                          "not in the table")

    def test_no_header_falls_back_with_reason(self):
        proc = self.detect("--url", self.base + "/plain/a.jpg")
        self.assertAdvice(proc, "us-west-2 (fallback)",
                          "x-amz-cf-pop:       (none)",
                          "without an x-amz-cf-pop header")

    def test_failed_request_falls_back_with_reason(self):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = self.detect("--url", "http://127.0.0.1:%d/x.jpg" % port)
        self.assertAdvice(proc, "us-west-2 (fallback)", "request failed")

    def test_missing_list_falls_back_with_reason(self):
        proc = self.detect("--source-urls-file", "nothing.txt")
        self.assertAdvice(proc, "us-west-2 (fallback)", "nothing.txt")


if __name__ == "__main__":
    unittest.main()
