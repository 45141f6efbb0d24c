"""A real Dask cluster on localhost for the tests: ``dask scheduler`` and ``dask worker`` processes (each
worker under its nanny, which starts it again when it is killed), optionally speaking TLS with a
certificate made for the run (openssl, mode 0600). :func:`processes` finds what a cluster leaves running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

#: why these tests cannot run here (None if they can)
INSTALL = "pip install -e '.[cluster]'"


def unavailable() -> Optional[str]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return f"grading on a cluster needs Dask's distributed: {INSTALL}"
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        return "the cluster tests grade as root with bubblewrap (CI runs as root; .ci/run installs bubblewrap)"
    return None


def make_certificate(folder: Path) -> Dict[str, str]:
    """A self-signed certificate and its key for one run (the CA, the scheduler's, the workers' and the
    client's alike), mode 0600; Dask's TLS options naming them."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / "dask.key", folder / "dask.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=dask",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    for path in (key, cert):
        os.chmod(path, 0o600)
    return {"ca": str(cert), "cert": str(cert), "key": str(key)}


class LocalCluster:
    """``dask scheduler`` on 127.0.0.1 and ``workers`` single-threaded ``dask worker`` processes."""

    def __init__(self, folder: Path, workers: int = 2, tls: Optional[Dict[str, str]] = None,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self.env = dict(os.environ, **(env or {}))
        self.env.pop("MICROGRAD_ISOLATION", None)
        self.scheduler_file = folder / "scheduler.json"
        self.procs: List[subprocess.Popen] = []
        protocol = ["--protocol", "tls"] if tls else []
        self.scheduler = self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                      "--scheduler-file", str(self.scheduler_file), *protocol], "scheduler")
        deadline = time.monotonic() + 60
        while not self.scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        for i in range(workers):
            self.add_worker(f"worker{i}")
        self.wait_for(workers)

    def _tls_options(self) -> List[str]:
        if not self.tls:
            return []
        return ["--tls-ca-file", self.tls["ca"], "--tls-cert", self.tls["cert"], "--tls-key", self.tls["key"]]

    def _start(self, argv: List[str], name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # closed here: the process keeps its own copy
        proc = subprocess.Popen([sys.executable, "-m", "dask", *argv, *self._tls_options()], cwd=self.folder,
                                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def add_worker(self, name: str) -> subprocess.Popen:
        return self._start(["worker", "--scheduler-file", str(self.scheduler_file), "--nthreads", "1",
                            "--no-dashboard", "--name", name], name)

    def client(self) -> Any:
        from distributed import Client

        return Client(self.address, timeout=60, set_as_default=False, security=self.security())

    def security(self) -> Any:
        from distributed.security import Security

        if not self.tls:
            return None
        return Security(tls_ca_file=self.tls["ca"], tls_client_cert=self.tls["cert"], tls_client_key=self.tls["key"],
                        require_encryption=True)

    def wait_for(self, workers: int) -> None:
        with self.client() as client:
            client.wait_for_workers(workers, timeout=120)

    def worker_pids(self) -> Dict[str, int]:
        """Worker address -> the pid of its worker process (not the nanny's)."""
        with self.client() as client:
            return dict(client.run(os.getpid))

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def processes(word: str) -> List[int]:
    """Processes (other than this one) with ``word`` in their command line."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if word.encode() in f.read():
                    found.append(int(name))
        except OSError:
            continue
    return found


def processes_of(uids: range) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if any(int(u) in uids for u in line.split()[1:4]):
                            found.append(int(name))
                        break
        except (OSError, ValueError):
            continue
    return found
