"""moto_server as a local S3 endpoint that enforces SigV4, for integration tests.

    from servers.moto import MotoS3
    moto = MotoS3.start(self, buckets=["dest"])     # stopped via addCleanup
    moto = MotoS3.start(cls, ...)                   # in setUpClass
    env = moto.env(moto.user)       # AWS_ENDPOINT_URL_S3, AWS_REGION, keys
    env = moto.env(moto.role)       # assumed-role keys with a session token
    s3 = moto.boto3_s3(moto.user)   # a boto3 client for checks/seeding

How it works: moto_server starts on a free 127.0.0.1 port in its own process
group. While moto's auth is still off (its default), we create the buckets,
an IAM user with an access key and an inline s3:* policy, and a role (s3:*)
assumed through STS, whose credentials carry a session token. Then
`POST /moto-api/reset-auth` with body `0` makes every later request go
through moto's signature and IAM checks: a wrong secret gives 403
SignatureDoesNotMatch, an unknown key (or an assumed-role key without its
token) 403 InvalidAccessKeyId. `seed(fn)` runs before that switch when you
want to create many objects cheaply.

Limits of moto 5.2.1 as an S3 oracle (see docs/s3-and-curl.md):
  * It does NOT verify Content-MD5, x-amz-checksum-* or x-amz-content-sha256
    against the body: wrong values are accepted (and echoed back). Without the
    crc32c package its "CRC32C" is plain CRC32. Test integrity code with fixed
    vectors, not with moto.
  * It recomputes signatures from a re-quoted URL, so correct requests for
    keys containing '+', non-ASCII (e.g. 'é') or '!' are rejected. Use plain
    keys, spaces (%20) and '/' only; test encoding with fixed vectors.
    Query values are checked after werkzeug decoded %2F to '/', so a
    ListObjectsV2 prefix containing '/' fails (boto3's too): use prefixes
    without '/' against moto.
  * CompleteMultipartUpload's root element is CompleteMultipartUploadResponse
    (S3: CompleteMultipartUploadResult).
  * It does not emulate Object Ownership (AccessControlListNotSupported).
  * It speaks plain http here, so clients must sign the real body hash
    (UNSIGNED-PAYLOAD is for https only in this project).
"""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

REGION = "us-west-2"
ACCOUNT = "123456789012"  # moto's default account id


class Creds:
    def __init__(self, access_key, secret_key, session_token=""):
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_S3_ALL = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
})


class MotoS3:
    """A running moto_server. Use start(); stop() is registered as cleanup."""

    def __init__(self, proc, port, log_path):
        self.proc = proc
        self.port = port
        self.log_path = log_path
        self.endpoint = "http://127.0.0.1:%d" % port
        self.region = REGION
        self.user = None   # Creds of the IAM user (AKIA..., no token)
        self.role = None   # Creds of the assumed role (ASIA..., with token)

    @classmethod
    def start(cls, testcase=None, buckets=(), region=REGION, seed=None,
              ready_deadline_s=60):
        """Starts moto, creates `buckets` and credentials, runs `seed(self)`
        with auth still off, then enforces auth. Registers stop() with
        testcase.addCleanup, or addClassCleanup when `testcase` is a class
        (call from setUpClass); with None, call stop() yourself."""
        port = free_port()
        log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log",
                                          delete=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        proc = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
        log.close()
        moto = cls(proc, port, log.name)
        moto.region = region
        if isinstance(testcase, type):  # from setUpClass
            testcase.addClassCleanup(moto.stop)
        elif testcase is not None:
            testcase.addCleanup(moto.stop)
        try:
            moto._wait_ready(ready_deadline_s)
            moto._setup(buckets)
            if seed is not None:
                seed(moto)
            moto.enforce_auth()
        except BaseException:
            if testcase is None:
                moto.stop()
            raise
        return moto

    def _wait_ready(self, deadline_s):
        # A readiness deadline, not a timed assertion: moto needs a few
        # seconds to import on a loaded machine.
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited: " + self.log())
            try:
                with urllib.request.urlopen(self.endpoint + "/moto-api/",
                                            timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server not ready: " + self.log())

    def _client(self, service, creds=None):
        import boto3
        from botocore.config import Config
        creds = creds or Creds("testing", "testing")
        return boto3.client(
            service, endpoint_url=self.endpoint, region_name=self.region,
            aws_access_key_id=creds.access_key,
            aws_secret_access_key=creds.secret_key,
            aws_session_token=creds.session_token or None,
            config=Config(retries={"max_attempts": 1}))

    def _setup(self, buckets):
        s3 = self._client("s3")
        for bucket in buckets:
            conf = {}
            if self.region != "us-east-1":
                conf = {"CreateBucketConfiguration":
                        {"LocationConstraint": self.region}}
            s3.create_bucket(Bucket=bucket, **conf)
        iam = self._client("iam")
        iam.create_user(UserName="cfm-tester")
        iam.put_user_policy(UserName="cfm-tester", PolicyName="s3",
                            PolicyDocument=_S3_ALL)
        key = iam.create_access_key(UserName="cfm-tester")["AccessKey"]
        self.user = Creds(key["AccessKeyId"], key["SecretAccessKey"])
        trust = json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"AWS": "arn:aws:iam::%s:root"
                                         % ACCOUNT}}]})
        role = iam.create_role(RoleName="cfm-writer",
                               AssumeRolePolicyDocument=trust)["Role"]
        iam.put_role_policy(RoleName="cfm-writer", PolicyName="s3",
                            PolicyDocument=_S3_ALL)
        c = self._client("sts").assume_role(
            RoleArn=role["Arn"], RoleSessionName="cfm")["Credentials"]
        self.role = Creds(c["AccessKeyId"], c["SecretAccessKey"],
                          c["SessionToken"])

    def enforce_auth(self):
        """From now on moto checks every request's signature and IAM policy."""
        req = urllib.request.Request(self.endpoint + "/moto-api/reset-auth",
                                     data=b"0", method="POST",
                                     # not a form, or werkzeug eats the body
                                     headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def boto3_s3(self, creds=None):
        """A boto3 S3 client for this server (default: the IAM user)."""
        return self._client("s3", creds or self.user)

    def env(self, creds, base=None):
        """Environment for a child process: endpoint, region and `creds`."""
        env = dict(os.environ if base is None else base)
        for k in list(env):
            if k.startswith("AWS_"):
                del env[k]
        env.update({
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": creds.access_key,
            "AWS_SECRET_ACCESS_KEY": creds.secret_key,
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        if creds.session_token:
            env["AWS_SESSION_TOKEN"] = creds.session_token
        return env

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        try:
            os.unlink(self.log_path)
        except OSError:
            pass
