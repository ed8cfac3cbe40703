"""Run localstripe as a separate process on 127.0.0.1, and make sure it goes when we go.

localstripe (PyPI, GPL-3.0-or-later) is a development dependency that runs
only as its own server process, started here with ``python -c``. Neither the
shop nor the stand-in imports it: they speak HTTP to it, as to Stripe.

Its own CLI binds every interface and pickles its store to the fixed file
/tmp/localstripe.pickle on every write. The child below binds 127.0.0.1 only
and keeps its store in memory (the stand-in's sessions are in memory too, and
parallel test workers must not share one file). It reads its stdin until end
of file and exits then, so it dies with the stand-in even if the stand-in is
killed outright.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import time
from types import TracebackType

from shop.payments.standin.config import LOOPBACK

START_TIMEOUT = 15.0  # seconds; it starts in well under one

_CHILD = """
import os, socket, sys, threading
from aiohttp import web
import localstripe.server
from localstripe.resources import Store

Store.dump_to_disk = lambda self: None  # in memory only: no shared /tmp/localstripe.pickle
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((sys.argv[1], int(sys.argv[2])))
sock.listen(128)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
print(sock.getsockname()[1], flush=True)
web.run_app(localstripe.server.app, sock=sock, print=None, access_log=None)
"""


class LocalstripeFailed(RuntimeError):  # noqa: N818 -- named after the situation, like the gateway's errors
    """localstripe did not start (not installed, port taken): the message has its output."""


class LocalstripeProcess:
    """``with LocalstripeProcess(port) as url:`` a localstripe listening on 127.0.0.1 for the block's duration."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        self._process = subprocess.Popen(  # noqa: S603 -- our own interpreter and script, no user input
            [sys.executable, "-c", _CHILD, LOOPBACK, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            self.port = int(self._first_line())
        except BaseException:
            self.stop()
            raise
        return f"http://{LOOPBACK}:{self.port}"

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _first_line(self) -> str:
        """The port the child bound, or the reason it did not (its traceback went to our stderr)."""
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.1):
                    line = self._process.stdout.readline().strip()
                    if line.isdigit():
                        return line
                    break
                if self._process.poll() is not None:
                    break
        raise LocalstripeFailed(
            f"localstripe did not start on {LOOPBACK}:{self.port} (is it installed? is the port free?)"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        assert process.stdin is not None
        process.stdin.close()  # the child exits at end of input
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
