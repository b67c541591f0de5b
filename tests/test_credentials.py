"""The AWS credentials chain end to end: the built binary against a local
IMDSv2 / container-credentials server (servers/imds_server.py).

Runs `cfmigrate debug-credentials` when the binary has that hidden
subcommand, else the creds_probe bench executable built beside it. Each run
gets a clean environment (HOME in a temp dir, no AWS_* from outside).
"""

import os
import socket
import subprocess
import tempfile
import unittest

from servers.imds_server import ImdsServer

BIN = os.environ.get("CFMIGRATE_BIN", "../build/cfmigrate")


def probe_command():
    """The command that runs the credentials diagnostic."""
    try:
        out = subprocess.run([BIN, "debug-credentials", "--no-such-flag"],
                             capture_output=True, text=True, timeout=30,
                             env={"PATH": os.environ.get("PATH", "")})
        if "usage: debug-credentials" in out.stderr:
            return [BIN, "debug-credentials"]
    except OSError:
        pass
    probe = os.path.join(os.path.dirname(os.path.abspath(BIN)), "creds_probe")
    return [probe]


def closed_port():
    """A 127.0.0.1 port with nothing listening (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CredentialsChainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.command = probe_command()

    def setUp(self):
        self.home = tempfile.TemporaryDirectory()
        self.addCleanup(self.home.cleanup)
        self.outputs = []
        self.servers = []

    def start_server(self, **kwargs):
        server = ImdsServer(**kwargs).start()
        self.addCleanup(server.stop)
        self.servers.append(server)
        return server

    def run_probe(self, env, *args):
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "HOME": self.home.name}
        full_env.update(env)
        proc = subprocess.run(
            self.command + ["--log-level", "trace"] + list(args),
            capture_output=True, text=True, env=full_env, timeout=120)
        self.outputs.append(proc.stdout + proc.stderr)
        return proc

    def tearDown(self):
        # Whatever happened, no secret handed out may appear in any output.
        secrets = [s for server in self.servers for s in server.issued_secrets]
        secrets += ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    "container-secret-auth", "imds-session-"]
        for output in self.outputs:
            for secret in secrets:
                self.assertNotIn(secret, output)

    def imds_env(self, server):
        return {"AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint}

    def lines(self, proc):
        return [l for l in proc.stdout.splitlines()
                if l.startswith("credentials: ")]

    def test_imds_end_to_end_with_refresh(self):
        server = self.start_server()
        proc = self.run_probe(self.imds_env(server), "--refresh", "2")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = self.lines(proc)
        self.assertEqual(len(lines), 3, proc.stdout)
        for n, line in enumerate(lines, start=1):
            self.assertTrue(line.startswith(
                "credentials: ASIA…%04d from instance metadata "
                "(role cfm-test-role), expires 20" % n), line)
        stats = server.stats()
        self.assertEqual(stats["imds_creds"], 3)
        self.assertEqual(stats["token_put"], 1)  # token cached across fetches
        self.assertEqual(stats["requested_ttl"], [21600])
        self.assertEqual(stats["unauthorized"], 0)

    def test_used_up_token_gets_401_and_a_new_token(self):
        # Each token is good for the two GETs of one fetch; the refresh's
        # first GET is refused and the client must get a new token.
        server = self.start_server(token_uses=2)
        proc = self.run_probe(self.imds_env(server), "--refresh", "1")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("ASIA…0002 from instance metadata", proc.stdout)
        stats = server.stats()
        self.assertEqual(stats["unauthorized"], 1)
        self.assertEqual(stats["token_put"], 2)
        self.assertEqual(stats["imds_creds"], 2)

    def test_metadata_disabled_is_skipped(self):
        server = self.start_server()
        env = self.imds_env(server)
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        proc = self.run_probe(env)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("instance metadata (AWS_EC2_METADATA_DISABLED=true)",
                      proc.stderr)
        self.assertEqual(server.stats()["token_put"], 0)
        self.assertEqual(server.stats()["role_list"], 0)

    def test_container_full_uri_with_token_file_beats_imds(self):
        server = self.start_server()
        token_file = os.path.join(self.home.name, "token")
        with open(token_file, "w") as f:
            f.write("container-secret-auth\n")
        env = self.imds_env(server)
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = \
            server.endpoint + "/container/creds"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = token_file
        proc = self.run_probe(env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("credentials: ASIA…0001 from container, expires",
                      proc.stdout)
        self.assertEqual(server.stats()["container"], 1)
        self.assertEqual(server.stats()["token_put"], 0)

    def test_container_wrong_token_is_named_in_the_error(self):
        server = self.start_server()
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI":
               server.endpoint + "/container/creds",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong",
               "AWS_EC2_METADATA_DISABLED": "true"}
        proc = self.run_probe(env)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("container (HTTP 403 from 127.0.0.1:%d)" % server.port,
                      proc.stderr)
        self.assertEqual(server.stats()["container_denied"], 1)

    def test_nothing_found_is_one_error_naming_every_provider(self):
        port = closed_port()
        env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d" % port}
        proc = self.run_probe(env)
        self.assertEqual(proc.returncode, 1)
        errors = [l for l in proc.stderr.splitlines()
                  if "no AWS credentials found" in l]
        self.assertEqual(len(errors), 1, proc.stderr)
        error = errors[0]
        self.assertIn("environment (AWS_ACCESS_KEY_ID not set); ", error)
        self.assertIn("shared files (profile default not found in %s/.aws/"
                      "credentials (no such file) or %s/.aws/config (no such "
                      "file)); " % (self.home.name, self.home.name), error)
        self.assertIn("container (not configured); ", error)
        self.assertIn("instance metadata (PUT 127.0.0.1:%d: " % port, error)
        self.assertEqual(proc.stdout, "")

    def test_environment_beats_everything(self):
        server = self.start_server()
        env = self.imds_env(server)
        env["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE"
        env["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        proc = self.run_probe(env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.lines(proc), [
            "credentials: AKIA…MPLE from environment, expires never"])
        self.assertEqual(server.stats()["token_put"], 0)

    def test_credential_process_profile(self):
        os.makedirs(os.path.join(self.home.name, ".aws"))
        secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        with open(os.path.join(self.home.name, ".aws", "config"), "w") as f:
            f.write("[profile ops]\n"
                    "credential_process = printf '%%s' '{\"Version\": 1, "
                    "\"AccessKeyId\": \"ASIAPROCESSX0042\", \"SecretAccessKey\":"
                    " \"%s\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n"
                    % secret)
        proc = self.run_probe({"AWS_PROFILE": "ops",
                               "AWS_EC2_METADATA_DISABLED": "true"},
                              "--refresh", "1")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.lines(proc), [
            "credentials: ASIA…0042 from credential_process of profile ops, "
            "expires 2099-01-01T00:00:00Z"] * 2)


if __name__ == "__main__":
    unittest.main()
