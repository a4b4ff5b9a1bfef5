"""Headless Chromium driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``).

No driver package and no network port: the protocol's JSON messages go through file descriptors 3 (to the
browser) and 4 (from it), each ending in a NUL byte. Enough for the site's tests and screenshots: open a
page, evaluate JavaScript, click at an element's centre with real mouse events, take a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from ..core.errors import HarnessError

#: flags for a closed network: without them Chromium tries to reach its update and sync services
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """``$LTSC_CHROMIUM``, else the first of :data:`NAMES` on the PATH (Debian: ``/usr/bin/chromium``)."""
    explicit = os.environ.get("LTSC_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return next((path for path in map(shutil.which, NAMES) if path), None)


class Browser:
    """One headless Chromium with one page target; use as a context manager."""

    def __init__(self, executable: str | None = None, width: int = 1280, height: int = 900, timeout: float = 30):
        found = executable or find_chromium()
        if not found:
            raise HarnessError(
                "no Chromium found; run scripts/install_browser.sh (Debian: apt-get install chromium) "
                "or set LTSC_CHROMIUM to its path"
            )
        self.executable: str = found
        self.timeout, self.size = timeout, (width, height)
        self._id = 0
        self._events: list[dict] = []
        self._replies: dict[int, dict] = {}
        self._inbox: queue.Queue = queue.Queue()

    # -- process and transport -------------------------------------------------------
    def __enter__(self) -> Browser:
        self._profile = tempfile.mkdtemp(prefix="ltsc-chromium-")
        to_child, self._to_browser = os.pipe()
        self._from_browser, from_child = os.pipe()

        def wire():  # in the child: the browser reads fd 3 and writes fd 4
            a, b = os.dup(to_child), os.dup(from_child)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            close_fds=False,
        )
        os.close(to_child)
        os.close(from_child)
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.viewport(*self.size)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001  (closing a browser that already died)
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._to_browser)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read(self) -> None:
        buf = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as fh:
            while chunk := fh.read(65536):
                buf += chunk
                *messages, buf = buf.split(b"\0")
                for message in messages:
                    self._inbox.put(json.loads(message))
        self._inbox.put(None)

    def _next(self, deadline: float) -> dict:
        try:
            message = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise HarnessError(f"Chromium did not answer within {self.timeout} s") from None
        if message is None:
            raise HarnessError(f"Chromium ({self.executable}) exited; run it by hand with --headless to see why")
        return message

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one protocol command (to the page when ``session``) and return its result."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise HarnessError(f"Chromium: {method} failed: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for k, event in enumerate(self._events):
                if event.get("method") == method:
                    return self._events.pop(k)
            self._events.append(self._next(deadline))

    # -- the page ----------------------------------------------------------------------
    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    def goto(self, url: str, javascript: bool = True) -> None:
        """Open ``url`` and wait for its load event (``javascript=False``: as a browser without it)."""
        self.call("Emulation.setScriptExecutionDisabled", session=True, value=not javascript)
        self._events = [e for e in self._events if e.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired")

    def eval(self, expression: str):
        """The JSON value of ``expression`` in the page."""
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise HarnessError(f"page script failed: {result['exceptionDetails'].get('text')} in {expression[:80]}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """Press and release the left mouse button at the centre of the first element matching ``selector``."""
        box = self.eval(
            f"(function(){{var e=document.querySelector({json.dumps(selector)}); if(!e) return null;"
            "e.scrollIntoView({block:'center'}); var r=e.getBoundingClientRect();"
            "return [r.left + r.width / 2, r.top + r.height / 2];})()"
        )
        if box is None:
            raise HarnessError(f"no element matches {selector!r} on the page")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                session=True,
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=0 if kind == "mouseMoved" else 1,
            )

    def screenshot(self, path, full_page: bool = True) -> Path:
        """A PNG of the page (the whole page when ``full_page``)."""
        clip = None
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.call(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=full_page,
            **({"clip": clip} if clip else {}),
        )["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
