"""Start and stop a throwaway ``jupyter lab`` server for browser tests.

The server listens on 127.0.0.1 on a free port, requires a random token, serves a temporary
root folder, and reads its configuration, runtime files, JupyterLab settings and workspaces
from temporary folders, so a developer's own Jupyter setup never leaks into a test. The same
server also serves Notebook 7 (``/tree``, ``/notebooks/...``) and Voila (``/voila/render/...``),
which are installed as server extensions.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# JupyterLab settings for a quiet, fully rendered notebook: no news or update pop-ups that could
# cover a panel, and every cell attached to the page (not only those in view), so selectors
# and screenshots see the whole notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

STARTUP_TIMEOUT = 90.0  # seconds; a cold start on a busy 2-core machine takes ~5 s


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_lab_settings(settings_dir: Path) -> None:
    """Write LAB_SETTINGS as user settings files under ``settings_dir``."""
    for relative_path, values in LAB_SETTINGS.items():
        path = settings_dir / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


class JupyterServer:
    """A ``jupyter lab`` process serving ``root_dir``; use as a context manager."""

    def __init__(self, root_dir: Path, state_dir: Path):
        self.root_dir = Path(root_dir)
        self.state_dir = Path(state_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = self.state_dir / "jupyter-server.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """The server's address, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Return the address of ``path`` (e.g. ``lab/tree/x.ipynb``) with the token appended."""
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{separator}token={self.token}"

    def environment(self) -> dict[str, str]:
        """The process environment: clean Jupyter config, runtime, settings and workspace dirs."""
        folders = {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
            "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
            "IPYTHONDIR": "ipython",
        }
        env = dict(os.environ)
        for variable, name in folders.items():
            folder = self.state_dir / name
            folder.mkdir(parents=True, exist_ok=True)
            env[variable] = str(folder)
        env["MPLBACKEND"] = "Agg"
        return env

    def command(self) -> list[str]:
        """The command line that starts the server."""
        return [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--allow-root",  # CI runs as root; harmless otherwise
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.open_browser=False",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # window.jupyterapp, so tests run menu commands by id (see notebook_page.py)
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
        ]

    def start(self) -> None:
        """Start the server and wait until its REST API answers."""
        write_lab_settings(self.state_dir / "lab-settings")
        env = self.environment()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=self.root_dir, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        """Poll ``/api/status`` until it answers; raise with the server log if it never does."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early:\n{self.log()}")
            try:
                self.api("GET", "api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)  # polling interval, not a synchronisation point
        raise TimeoutError(f"jupyter lab did not answer in {STARTUP_TIMEOUT} s:\n{self.log()}")

    def api(self, method: str, path: str):
        """Call the REST API; return the decoded JSON answer (None when there is no body)."""
        request = urllib.request.Request(
            f"{self.base_url}/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        """Stop every running kernel, so one test's kernels do not slow the next."""
        for kernel in self.api("GET", "api/kernels"):
            self.api("DELETE", f"api/kernels/{kernel['id']}")

    def log(self) -> str:
        """The server's output so far (for failure messages)."""
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        """Stop the server (politely, then by force)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> JupyterServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
