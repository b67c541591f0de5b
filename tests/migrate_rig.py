"""Shared helpers for the `cfmigrate migrate` end-to-end tests.

A MigrateTestCase class starts, once per test class, moto (signature checking
on, one IAM user with an access key), the integrity-checking fault proxy in
front of it (HTTPS with a self-signed certificate unless proxy_tls = False,
as real S3 is HTTPS; runs get it as AWS_CA_BUNDLE) and the fault-injecting
origin, all on 127.0.0.1 free ports, and stops them afterwards. Each test
gets a fresh bucket and a fresh state dir.

    run = self.migrate(urls)               # runs the binary, waits
    run.code, run.completed(), run.failed(), run.report()
    self.bucket_objects()                  # {key: bytes} read through boto3
"""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from servers.moto import MotoS3  # noqa: E402
from servers.origin import Origin  # noqa: E402
from servers.s3_proxy import S3Proxy  # noqa: E402

BIN = os.path.abspath(os.environ.get(
    "CFMIGRATE_BIN", os.path.join(HERE, "..", "build", "cfmigrate")))
REGION = "us-west-2"


def _post(url, body):
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


class MotoServer:
    """servers.moto.MotoS3 (helper "s3": moto_server enforcing SigV4 for an
    IAM user with s3:*) plus what the migrate tests need on top: buckets made
    after start, auth switched off for reading back, {key: bytes} dumps."""

    def __init__(self):
        self._moto = None
        self.port = self.endpoint = None
        self.access_key = self.secret_key = None

    def start(self):
        self._moto = MotoS3.start()
        self.port, self.endpoint = self._moto.port, self._moto.endpoint
        self.access_key = self._moto.user.access_key
        self.secret_key = self._moto.user.secret_key
        return self

    def set_auth(self, on):
        """on: every request must be signed; off: moto checks nothing."""
        _post(self.endpoint + "/moto-api/reset-auth", b"0" if on else b"inf")

    def s3(self):
        import boto3
        from botocore.config import Config
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"},
                          retries={"total_max_attempts": 1}))

    def create_bucket(self, name):
        self.s3().create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": REGION})

    def objects(self, bucket, prefix=""):
        """{key: bytes} of every object, read with auth off (moto
        mis-verifies signatures of non-ASCII keys)."""
        self.set_auth(False)
        try:
            s3 = self.s3()
            out = {}
            for page in s3.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    out[obj["Key"]] = s3.get_object(
                        Bucket=bucket, Key=obj["Key"])["Body"].read()
            return out
        finally:
            self.set_auth(True)

    def listing(self, bucket, prefix=""):
        """{key: (size, etag without quotes)} from ListObjectsV2 only; for
        single-part objects moto's ETag is the MD5 of the stored bytes."""
        self.set_auth(False)
        try:
            out = {}
            for page in self.s3().get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    out[obj["Key"]] = (obj["Size"], obj["ETag"].strip('"'))
            return out
        finally:
            self.set_auth(True)

    def head(self, bucket, key):
        self.set_auth(False)
        try:
            return self.s3().head_object(Bucket=bucket, Key=key)
        finally:
            self.set_auth(True)

    def stop(self):
        if self._moto is not None:
            self._moto.stop()


class Run:
    """The outcome of one `cfmigrate migrate` run and its state files."""

    def __init__(self, code, stdout, stderr, state_dir):
        self.code, self.stdout, self.stderr = code, stdout, stderr
        self.state_dir = state_dir

    @property
    def output(self):
        return self.stdout + self.stderr

    def _lines(self, name):
        path = os.path.join(self.state_dir, name)
        if not os.path.exists(path):
            return []
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "surrogateescape")
        lines = data.split("\n")
        # The last element is "" after a final newline, else a torn line.
        return [line for line in lines[:-1] if line]

    def completed(self):
        """[(url, key, bytes, checksum)] in file order; a torn last line
        (no newline yet) is left out, as the engine itself does."""
        rows = []
        for line in self._lines("completed.txt"):
            f = line.split("\t")
            if len(f) >= 4:
                rows.append((f[0], f[1], int(f[2]), f[3]))
        return rows

    def completed_urls(self):
        return {row[0] for row in self.completed()}

    def failed(self):
        """{url: reason}"""
        out = {}
        for line in self._lines("failed_transfers.txt"):
            url, _, reason = line.partition("\t")
            out[url] = reason
        return out

    def report(self):
        with open(os.path.join(self.state_dir, "migration_report.json")) as f:
            return json.load(f)

    def __repr__(self):
        return (f"<Run code={self.code}\n--stdout--\n{self.stdout[-3000:]}\n"
                f"--stderr--\n{self.stderr[-3000:]}>")


class PreloadedShim:
    """Mixed in before MigrateTestCase: every run preloads (LD_PRELOAD) the
    test shim that CMake builds as `shim_target` and names in the environment
    variable `shim_env`; the class errors at once if it is missing, or its
    tests would prove nothing."""

    shim_env = ""
    shim_target = ""

    @classmethod
    def setUpClass(cls):
        cls.shim = os.environ.get(cls.shim_env, "")
        if not os.path.isfile(cls.shim):
            raise RuntimeError(f"{cls.shim_env}={cls.shim!r}: no such shim "
                               f"(built as {cls.shim_target} by CMake)")
        super().setUpClass()

    def env(self, endpoint=None):
        env = super().env(endpoint)
        env["LD_PRELOAD"] = self.shim
        return env


class MigrateTestCase(unittest.TestCase):
    """Servers per class; a fresh bucket and state dir per test."""

    use_proxy = True
    # The proxy serves HTTPS (servers/s3_proxy.py, tls=True); moto itself
    # stays plain http.
    proxy_tls = True
    # The proxy always checks SigV4 and payload hashes itself, as S3 does
    # (servers/s3_proxy.py). False switches moto's own check off, for keys
    # moto mis-verifies (non-ASCII, '+', '!').
    moto_auth = True

    @classmethod
    def setUpClass(cls):
        if not os.access(BIN, os.X_OK):
            raise unittest.SkipTest(f"no binary at {BIN}")
        cls.moto = MotoServer().start()
        cls.addClassCleanup(cls.moto.stop)
        cls.proxy = S3Proxy(cls.moto.port, tls=cls.proxy_tls, verify_sigv4={
            cls.moto.access_key: cls.moto.secret_key}).start()
        if not cls.moto_auth:
            cls.moto.set_auth(False)
            cls.moto.set_auth = lambda on: None
        cls.addClassCleanup(cls.proxy.stop)
        cls.origin = Origin().start()
        cls.addClassCleanup(cls.origin.stop)

    def setUp(self):
        self.bucket = "mig-" + uuid.uuid4().hex[:12]
        self.moto.create_bucket(self.bucket)
        self.proxy.reset()
        self.state_dir = tempfile.mkdtemp(prefix="cfm-migtest-")
        self.addCleanup(shutil.rmtree, self.state_dir, True)
        self.children = []
        self.addCleanup(self._kill_children)

    def _kill_children(self):
        for p in self.children:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    # --- inputs --------------------------------------------------------------
    def write_urls(self, lines, name="urls.txt", raw=None):
        path = os.path.join(self.state_dir, name)
        with open(path, "wb") as f:
            f.write(raw if raw is not None
                    else "".join(l + "\n" for l in lines).encode())
        return path

    def add_images(self, paths, **kw):
        """Registers images on the origin; returns {path: bytes}."""
        return {p: self.origin.add(p, **kw) for p in paths}

    def unique(self, stem):
        """A path fragment unique to this test, so origin counters don't mix."""
        return f"{stem}-{uuid.uuid4().hex[:8]}"

    # --- running the binary ----------------------------------------------------
    def env(self, endpoint=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_")}
        endpoint = endpoint or (self.proxy.endpoint() if self.use_proxy
                                else self.moto.endpoint)
        if endpoint == self.proxy.endpoint() and self.proxy.ca_file:
            env["AWS_CA_BUNDLE"] = self.proxy.ca_file
        env.update({
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": self.moto.access_key,
            "AWS_SECRET_ACCESS_KEY": self.moto.secret_key,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        })
        return env

    # Flags every run gets unless the test passes its own value in `extra`.
    default_flags = {"--concurrency": "16", "--max-retries": "3",
                     "--download-timeout": "5", "--upload-timeout": "10",
                     "--log-level": "INFO"}

    def args(self, urls_file, extra=(), bucket=None, state_dir=None):
        flags = dict(self.default_flags)
        for token in extra:
            flags.pop(token, None)
        argv = [BIN, "migrate",
                "--source-urls-file", urls_file,
                "--destination-bucket", bucket or self.bucket,
                "--source-url-prefix", self.origin.base_url(),
                "--state-dir", state_dir or self.state_dir]
        for name, value in flags.items():
            argv += [name, value]
        return argv + list(extra)

    def migrate(self, urls=None, extra=(), urls_file=None, timeout=120,
                endpoint=None, bucket=None, state_dir=None):
        """Runs migrate to the end and returns a Run."""
        if urls_file is None:
            urls_file = self.write_urls(urls)
        proc = self.start_migrate(urls_file=urls_file, extra=extra,
                                  endpoint=endpoint, bucket=bucket,
                                  state_dir=state_dir)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            self.fail(f"migrate did not finish in {timeout}s\n{out[-2000:]}"
                      f"\n{err[-2000:]}")
        return Run(proc.returncode, out, err, state_dir or self.state_dir)

    def start_migrate(self, urls=None, extra=(), urls_file=None,
                      endpoint=None, bucket=None, state_dir=None):
        """Starts migrate in its own process group; the caller waits."""
        if urls_file is None:
            urls_file = self.write_urls(urls)
        proc = subprocess.Popen(
            self.args(urls_file, extra, bucket, state_dir),
            env=self.env(endpoint), cwd=state_dir or self.state_dir,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, errors="replace",
            start_new_session=True)
        self.children.append(proc)
        return proc

    # --- checking outcomes -------------------------------------------------
    def bucket_objects(self, prefix=""):
        return self.moto.objects(self.bucket, prefix)

    def assert_exactly_one_outcome(self, run, urls):
        """Each URL is in completed.txt XOR failed_transfers.txt."""
        done, failed = run.completed_urls(), run.failed()
        for url in urls:
            self.assertNotEqual(url in done, url in failed,
                                f"{url}: completed={url in done} "
                                f"failed={failed.get(url)}\n{run!r}")

    def assert_arrived(self, run, images):
        """Exit 0, nothing failed, and each of `images` ({origin path:
        bytes}) stored at its flat key byte for byte."""
        self.assertEqual(run.code, 0, run)
        objects = self.bucket_objects()
        for path, body in images.items():
            self.assertEqual(hashlib.md5(objects.get(flat_key(path), b"?"))
                             .hexdigest(), hashlib.md5(body).hexdigest(), path)
        self.assertEqual(run.failed(), {})

    def assert_completed_consistent(self, run, objects=None):
        """Every completed.txt line names an object of that size."""
        objects = self.bucket_objects() if objects is None else objects
        for url, key, size, _ in run.completed():
            self.assertIn(key, objects, f"{url} recorded but {key} missing")
            self.assertEqual(len(objects[key]), size, key)


def flat_key(path, prefix="images/"):
    """The flattened key of decoded origin `path`."""
    return prefix + path.rstrip("/").rsplit("/", 1)[-1]


def preserved_key(path, prefix="images/"):
    return prefix + path.lstrip("/")


def quote_path(path):
    return urllib.parse.quote(path, safe="/")
