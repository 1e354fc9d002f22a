"""Fixtures for the interoperability tests: a real `phalanx serve` process on loopback.

The binary is taken from $PHALANX_BIN, else target/debug/phalanx (built by `cargo test`).
"""
import os
import pathlib
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("PHALANX_BIN", ROOT / "target" / "debug" / "phalanx"))
TAXII = "application/taxii+json;version=2.1"


class BearerAuth(requests.auth.AuthBase):
    """requests auth that sends an API key as a bearer token."""

    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class Node:
    """A running node: its base URL, data folder and admin key."""

    def __init__(self, data_dir):
        self.data_dir = pathlib.Path(data_dir)
        if not BIN.exists():
            raise RuntimeError(f"{BIN} does not exist: run `cargo build -p phalanx` first or set PHALANX_BIN")
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--data", str(self.data_dir), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PHALANX_LOG": "warn"},
        )
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise RuntimeError(f"node did not start: {line!r} {err}")
        self.discovery = line.split("listening on ", 1)[1].strip()
        self.base = self.discovery[: -len("taxii2/")]
        self.admin_key = (self.data_dir / "admin.key").read_text().strip()
        self.admin = BearerAuth(self.admin_key)
        listing = requests.get(self.base + "api/collections/", headers={"Accept": TAXII}, auth=self.admin).json()
        # taxii2-client insists that a collection's URL contains its id, so use the id, not the alias.
        self.collection_id = listing["collections"][0]["id"]
        self.collection_url = self.base + f"api/collections/{self.collection_id}/"

    def cli(self, *args, stdin=None):
        """Runs a phalanx CLI command against this node's data folder."""
        return subprocess.run(
            [str(BIN), *args, "--data", str(self.data_dir)],
            input=stdin, capture_output=True, text=True, check=True,
        )

    def url(self, path):
        return self.base + path.lstrip("/")

    def get(self, path, auth=None, accept=TAXII, **kw):
        headers = {"Accept": accept} if accept else {}
        return requests.get(self.url(path), headers=headers, auth=auth or self.admin, **kw)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def node():
    with tempfile.TemporaryDirectory(prefix="phalanx-interop-") as tmp:
        n = Node(tmp)
        try:
            yield n
        finally:
            n.stop()


def wait_for(predicate, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False
