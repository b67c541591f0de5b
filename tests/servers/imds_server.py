"""A stand-in for EC2 instance metadata (IMDSv2) and the container
credentials endpoint, for integration tests. Python standard library only.

IMDSv2:
  PUT /latest/api/token            needs X-aws-ec2-metadata-token-ttl-seconds
                                   (1..21600, else 400); refuses requests with
                                   X-Forwarded-For (403). Answers the token and
                                   the granted TTL (capped at max_token_ttl).
  GET /latest/meta-data/iam/security-credentials/        the role name
  GET /latest/meta-data/iam/security-credentials/<role>  rotating credentials
      Both need a live token in X-aws-ec2-metadata-token: unknown, expired
      (TTL passed) or used-up (token_uses GETs) tokens get 401.
Container:
  GET /container/creds             needs "Authorization: <container_token>"
                                   (401 when missing, 403 when wrong).
Every credentials document is new: AccessKeyId ASIA<kind>ROTATE0001, 0002, ...
with Expiration `expires_in` seconds from now. `issued_secrets` lists every
secret and token handed out so tests can check none leaks.

Use in-process (ImdsServer(...).start() / .stop()) or run it:
  python3 imds_server.py [--token-uses N] [--max-token-ttl S] [--expires-in S]
prints "PORT <n>" and serves until killed.
"""

import argparse
import datetime
import http.server
import json
import secrets
import threading
import time

ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
MAX_TTL = 21600


class ImdsServer:
    def __init__(self, role="cfm-test-role", token_uses=None,
                 max_token_ttl=MAX_TTL, expires_in=3600,
                 container_token="container-secret-auth"):
        self.role = role
        self.token_uses = token_uses
        self.max_token_ttl = max_token_ttl
        self.expires_in = expires_in
        self.container_token = container_token
        self.lock = threading.Lock()
        self.tokens = {}  # token -> [deadline (monotonic), uses left or None]
        self.counts = {"token_put": 0, "role_list": 0, "imds_creds": 0,
                       "unauthorized": 0, "container": 0, "container_denied": 0,
                       "requested_ttl": []}
        self.issued_secrets = []
        self.serial = 0
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), self._handler_class())
        self.port = self.httpd.server_address[1]
        self.thread = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread:
            self.thread.join()

    def expire_tokens(self):
        """Forgets every session token, as a real IMDS does after its TTL."""
        with self.lock:
            self.tokens.clear()

    def stats(self):
        with self.lock:
            return json.loads(json.dumps(self.counts))

    # The logic, called from handler threads.

    def issue_token(self, ttl_header):
        try:
            ttl = int(ttl_header)
        except (TypeError, ValueError):
            return 400, {}, b""
        if not 1 <= ttl <= MAX_TTL:
            return 400, {}, b""
        ttl = min(ttl, self.max_token_ttl)
        token = "imds-session-" + secrets.token_hex(16)
        with self.lock:
            self.counts["token_put"] += 1
            self.counts["requested_ttl"].append(int(ttl_header))
            self.tokens[token] = [time.monotonic() + ttl, self.token_uses]
        return 200, {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)}, \
            token.encode()

    def check_token(self, token):
        with self.lock:
            entry = self.tokens.get(token or "")
            live = entry is not None and time.monotonic() < entry[0] and \
                (entry[1] is None or entry[1] > 0)
            if not live:
                self.counts["unauthorized"] += 1
                return False
            if entry[1] is not None:
                entry[1] -= 1
            return True

    def new_credentials(self, kind, token_field):
        with self.lock:
            self.serial += 1
            serial = self.serial
            secret = secrets.token_urlsafe(30)[:40]
            token = "FwoGZXIvYXdzE" + secrets.token_urlsafe(60)
            self.issued_secrets += [secret, token]
        expiration = datetime.datetime.now(datetime.timezone.utc) + \
            datetime.timedelta(seconds=self.expires_in)
        doc = {"Code": "Success", "Type": "AWS-HMAC",
               "AccessKeyId": "ASIA%sROTATE%04d" % (kind, serial),
               "SecretAccessKey": secret, token_field: token,
               "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ")}
        return json.dumps(doc).encode()

    def _handler_class(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, headers=None, body=b""):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if self.path != "/latest/api/token":
                    return self.reply(404)
                if self.headers.get("X-Forwarded-For"):
                    return self.reply(403)
                self.reply(*server.issue_token(
                    self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")))

            def do_GET(self):
                if self.path == "/container/creds":
                    return self.container()
                if not self.path.startswith(ROLE_PATH):
                    return self.reply(404)
                if not server.check_token(
                        self.headers.get("X-aws-ec2-metadata-token")):
                    return self.reply(401)
                name = self.path[len(ROLE_PATH):]
                if name == "":
                    with server.lock:
                        server.counts["role_list"] += 1
                    return self.reply(200, {}, server.role.encode())
                if name != server.role:
                    return self.reply(404)
                with server.lock:
                    server.counts["imds_creds"] += 1
                self.reply(200, {"Content-Type": "text/plain"},
                           server.new_credentials("IMDS", "Token"))

            def container(self):
                auth = self.headers.get("Authorization")
                if auth != server.container_token:
                    with server.lock:
                        server.counts["container_denied"] += 1
                    return self.reply(401 if auth is None else 403)
                with server.lock:
                    server.counts["container"] += 1
                self.reply(200, {"Content-Type": "application/json"},
                           server.new_credentials("CONT", "Token"))

        return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--token-uses", type=int, default=None)
    parser.add_argument("--max-token-ttl", type=int, default=MAX_TTL)
    parser.add_argument("--expires-in", type=int, default=3600)
    args = parser.parse_args()
    server = ImdsServer(token_uses=args.token_uses,
                        max_token_ttl=args.max_token_ttl,
                        expires_in=args.expires_in)
    print("PORT %d" % server.port, flush=True)
    server.httpd.serve_forever()


if __name__ == "__main__":
    main()
