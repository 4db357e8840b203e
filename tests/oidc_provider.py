"""Starts the npm `oidc-provider` (tests/node/oidc-provider, installed by `make node-deps`)
on a free 127.0.0.1 port for a test, and stops it afterwards."""

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from tests.smtp import free_port

FOLDER = Path(__file__).parent / "node" / "oidc-provider"


def available() -> str | None:
    """None when the provider can be started, else why not."""
    if shutil.which("node") is None:
        return "needs node (apt-get install nodejs npm)"
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        return "needs the test provider installed: make node-deps"
    return None


class OidcProvider:
    def __init__(self, *, clients: list[dict], accounts: dict, short_lived: list[str] = ()):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = {
            "port": self.port,
            "clients": clients,
            "accounts": accounts,
            "shortLived": list(short_lived),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "OidcProvider":
        env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(self.config)}
        self.process = subprocess.Popen(
            ["node", "server.mjs"],
            cwd=FOLDER,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        ready = threading.Event()
        stdout = self.process.stdout
        assert stdout is not None

        def watch() -> None:
            for line in stdout:
                if line.startswith("ready "):
                    ready.set()

        threading.Thread(target=watch, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready.wait(0.1):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited with {self.process.returncode}")
        self.stop()
        raise RuntimeError(f"the OpenID provider did not start within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
