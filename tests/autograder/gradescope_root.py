"""A Gradescope dry run: the bundle in a throwaway machine laid out exactly as Gradescope's.

Gradescope unzips the bundle into ``/autograder/source``, runs ``setup.sh`` once as root, copies
``run_autograder`` to ``/autograder/run_autograder`` and, for each submission, puts the student's
files into ``/autograder/submission`` and runs ``/autograder/run_autograder`` from ``/autograder``,
as root, then reads ``/autograder/results/results.json``.

:class:`GradescopeRoot` does the same in a throwaway root: the machine's own root file system as
the lower layer of an overlay whose upper layer is a temporary folder (so ``apt-get`` in setup.sh
can install whatever it likes and the machine is untouched), entered with ``bwrap`` (own PID,
IPC and UTS namespaces, a fresh ``/proc``, ``/dev`` and ``/tmp``), with a temporary folder bound
on ``/autograder``: never the machine's real ``/autograder``. Needs root (Gradescope runs as root
too), ``unshare`` and ``bwrap``; :func:`unavailable` says why not when they are missing.

The machine's pip configuration (a local wheelhouse or mirror) applies inside, as a pip.conf
would on Gradescope; ``constraints`` pins packages (the CI's constraints file).
Tests of the sandbox's isolation can reuse the harness: ``run(..., bwrap_args=[...])`` adds
bwrap options, ``shell()`` runs any command inside.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

__all__ = ["GRADESCOPE_PATH", "GradescopeRoot", "unavailable"]

#: PATH inside the root: a stock Ubuntu image's
GRADESCOPE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_PIP_ENV = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "PIP_DEFAULT_TIMEOUT",
            "PIP_TRUSTED_HOST", "PIP_DISABLE_PIP_VERSION_CHECK")


def unavailable() -> Optional[str]:
    """Why a dry run cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "the Gradescope dry run needs root (to mount the throwaway root), as Gradescope runs as root"
    for tool in ("bwrap", "unshare", "mount"):
        if shutil.which(tool) is None:
            return f"the Gradescope dry run needs {tool} (apt-get install bubblewrap util-linux mount)"
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        return f"cannot make a mount namespace: {probe.stderr.decode(errors='replace').strip()}"
    return None


class GradescopeRoot:
    """A throwaway Gradescope machine in ``workdir`` for ``bundle`` (an autograder .zip)."""

    def __init__(self, bundle: Path, workdir: Path, *, constraints: Optional[Path] = None) -> None:
        self.workdir = Path(workdir)
        self.autograder = self.workdir / "autograder"  # bound on /autograder inside
        self.constraints = constraints
        self.last: Optional[subprocess.CompletedProcess] = None
        for name in ("upper", "work", "merged"):
            (self.workdir / "overlay" / name).mkdir(parents=True, exist_ok=True)
        self._unzip(bundle)
        (self.autograder / "results").mkdir()
        (self.autograder / "submission").mkdir()

    def _unzip(self, bundle: Path) -> None:
        source = self.autograder / "source"
        source.mkdir(parents=True)
        with zipfile.ZipFile(bundle) as z:
            z.extractall(source)
            for info in z.infolist():  # zipfile drops the permission bits: restore them, as unzip does
                mode = info.external_attr >> 16
                if mode:
                    (source / info.filename).chmod(mode & 0o777)

    def use_bundle(self, bundle: Path) -> None:
        """Switch to another bundle of the same kit (another rubric) without building the image again:
        its setup.sh and kit/ must be identical to the installed ones, so setup.sh would do the same."""
        before = {p.relative_to(self.autograder / "source"): p.read_bytes()
                  for p in (self.autograder / "source").rglob("*")
                  if p.is_file() and (p.name == "setup.sh" or "kit" in p.relative_to(self.autograder).parts[:2])}
        shutil.rmtree(self.autograder / "source")
        self._unzip(bundle)
        after = {p.relative_to(self.autograder / "source"): p.read_bytes()
                 for p in (self.autograder / "source").rglob("*")
                 if p.is_file() and (p.name == "setup.sh" or "kit" in p.relative_to(self.autograder).parts[:2])}
        if before != after:
            raise AssertionError("the bundles differ in setup.sh or kit/: build a new GradescopeRoot")
        shutil.copy2(self.autograder / "source" / "run_autograder", self.autograder / "run_autograder")

    def _env(self) -> Dict[str, str]:
        env = {"PATH": GRADESCOPE_PATH, "HOME": "/root", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive",
               # its own sandbox uids: this root has its own /run (where graders reserve uids) but shares the
               # kernel with the machine, where another grader's sweep of its uid would kill our sandboxes
               "MICROGRAD_SANDBOX_UIDS": "3500000-3500999"}
        env.update({k: os.environ[k] for k in _PIP_ENV if k in os.environ})
        if self.constraints is not None:
            env["PIP_CONSTRAINT"] = "/etc/micrograd-dry-run-constraints.txt"
        return env

    def shell(self, command: str, *, cwd: str = "/autograder", timeout: float = 1800,
              bwrap_args: Sequence[str] = ()) -> subprocess.CompletedProcess:
        """Run ``command`` with bash inside the root, as root, from ``cwd``."""
        overlay = self.workdir / "overlay"
        bwrap = ["bwrap", "--bind", str(overlay / "merged"), "/", "--proc", "/proc", "--dev", "/dev",
                 "--ro-bind", "/sys", "/sys", "--tmpfs", "/tmp", "--bind", str(self.autograder), "/autograder",
                 "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "gradescope",
                 "--die-with-parent", "--clearenv", "--chdir", cwd]
        if self.constraints is not None:
            bwrap += ["--ro-bind", str(self.constraints), "/etc/micrograd-dry-run-constraints.txt"]
        for key, value in self._env().items():
            bwrap += ["--setenv", key, value]
        bwrap += [*bwrap_args, "/bin/bash", "-c", command]
        mount = (f"mount -t overlay overlay -o lowerdir=/,upperdir={overlay / 'upper'},workdir={overlay / 'work'} "
                 f"{overlay / 'merged'}")
        script = f'{mount} && exec "$@"'
        return subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                               *bwrap], capture_output=True, text=True, timeout=timeout)

    def setup(self, timeout: float = 1800) -> subprocess.CompletedProcess:
        """Build the image: setup.sh as root from /autograder/source, then run_autograder copied to
        /autograder, as Gradescope does."""
        done = self.shell("bash ./setup.sh", cwd="/autograder/source", timeout=timeout)
        if done.returncode == 0:
            shutil.copy2(self.autograder / "source" / "run_autograder", self.autograder / "run_autograder")
        return done

    def run(self, submission: Path, *, timeout: float = 900, bwrap_args: Sequence[str] = ()) -> Dict[str, Any]:
        """Grade one submission (a folder whose files the student uploaded, or one file) as Gradescope
        does; returns results.json (the run's stdout and stderr are in ``last``)."""
        target = self.autograder / "submission"
        shutil.rmtree(target)
        if Path(submission).is_dir():
            shutil.copytree(submission, target)
        else:
            target.mkdir()
            shutil.copy2(submission, target / Path(submission).name)
        results = self.autograder / "results"
        shutil.rmtree(results)
        results.mkdir()
        self.last = self.shell("/autograder/run_autograder", cwd="/autograder", timeout=timeout,
                               bwrap_args=bwrap_args)
        path = results / "results.json"
        if not path.is_file():
            raise AssertionError(f"run_autograder left no results.json (exit {self.last.returncode}):\n"
                                 f"{self.last.stdout[-3000:]}\n{self.last.stderr[-3000:]}")
        data: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
