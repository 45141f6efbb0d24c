"""Start ``micrograd app`` on a free port and drive it with Debian's chromium (helpers for the browser tests)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_missing() -> Optional[str]:
    """Why the browser tests cannot run here, or None."""
    for module in ("streamlit", "playwright"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install 'micrograd-kit[app]' playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if shutil.which("dot") is None:
        return "graphviz's dot is missing (apt-get install graphviz)"
    return None


def student_copy(tmp_path: Path, edits: Optional[Dict[str, str]] = None, name: str = "impl") -> Path:
    """A student's directory made of the reference's engine.py and nn.py, with ``edits`` (old text -> new
    text, each found exactly once in one of the files)."""
    from micrograd.impl import reference_dir

    target = tmp_path / name
    target.mkdir()
    for file in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / file, target / file)
    for old, new in (edits or {}).items():
        found = [f for f in ("engine.py", "nn.py") if (target / f).read_text().count(old) == 1]
        if len(found) != 1:
            raise ValueError(f"{old!r} is not in exactly one place of the reference")
        source = (target / found[0]).read_text()
        (target / found[0]).write_text(source.replace(old, new))
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def console_script() -> List[str]:
    """How a student starts the kit: the ``micrograd`` console script beside this Python (else ``-m``)."""
    script = Path(sys.executable).parent / "micrograd"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "micrograd"]


@contextlib.contextmanager
def app_server(log: Path, *args: str, timeout: float = 90.0, cwd: Optional[Path] = None) -> Iterator[str]:
    """``micrograd app --no-browser`` on a free port of 127.0.0.1 (started in ``cwd``); yields its URL,
    stops it afterwards."""
    port = free_port()
    command = [*console_script(), "app", "--no-browser", "--address", "127.0.0.1", "--port", str(port), *args]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"micrograd app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"micrograd app did not start within {timeout:g} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def browser_page(profile: Path, requests: List[str]) -> Iterator[Any]:
    """A page of a fresh headless chromium (its own profile directory); every request URL goes to ``requests``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.set_default_timeout(60_000)
            yield page
        finally:
            context.close()


def metric(page: Any, label: str) -> str:
    """The value of the board's metric labelled ``label`` (Step, Loss, Val loss, Accuracy, Points)."""
    return str(page.locator(f'.mg-metric[data-name="{label}"] .mg-value').inner_text()).strip()


def board_step(page: Any) -> str:
    """The step the board has drawn last."""
    return str(page.locator(".mg-board").get_attribute("data-step"))


def log_lines(page: Any) -> List[str]:
    """The lines of the board's log."""
    return str(page.locator(".mg-log pre").inner_text()).splitlines()


def wait_for_metric(page: Any, label: str, predicate: Any, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    value = ""
    while time.monotonic() < deadline:
        try:
            value = metric(page, label)
        except Exception:  # noqa: BLE001 (the element is being redrawn)
            value = ""
        if value and predicate(value):
            return value
        time.sleep(0.05)
    raise AssertionError(f"the {label} metric never satisfied the condition; last value {value!r}")


def graph_grads(page: Any) -> dict:
    """Node name -> the texts of its record (title, data, grad), read from the graph's SVG."""
    return page.evaluate(
        """() => {
            const out = {};
            document.querySelectorAll('*').forEach(host => {
                const root = host.shadowRoot;
                if (!root) return;
                root.querySelectorAll('.mg-graph g.node').forEach(node => {
                    const title = node.querySelector('title');
                    out[title ? title.textContent : '?'] = Array.from(node.querySelectorAll('text'))
                        .map(t => t.textContent).join(' | ');
                });
            });
            return out;
        }"""
    )


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> Any:
    """Poll ``condition()`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 (an element is being redrawn)
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def plot_mode(page: Any) -> str:
    """What a click on the data plot does now (the mode the plot last received from the server)."""
    return str(page.evaluate(
        """() => {
            for (const host of document.querySelectorAll('*')) {
                const plot = host.shadowRoot && host.shadowRoot.querySelector('.mg-plot');
                if (plot) return plot.__mg.data.mode;
            }
            return '';
        }"""
    ))
