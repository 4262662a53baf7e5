"""Serve the built store as a SPARQL 1.1 Protocol endpoint through the Oxigraph server.

Nothing home-made: the ``oxigraph`` package on PyPI ships the Oxigraph server
binary, which speaks the SPARQL 1.1 Protocol and Graph Store Protocol and serves
the YASGUI query page at ``/``. This module finds that binary, opens the store's
current version with it, and runs it in the foreground until Ctrl-C or SIGTERM.

Safety by default:
- read-only (``oxigraph serve-read-only``): updates and Graph Store writes get 403;
- bound to loopback; another address needs ``allow_remote`` (the server has no
  authentication, so anyone who can reach the port can query it, or write to it
  when writable);
- a query timeout, so one pathological query cannot occupy the server.

A built version is immutable (readers may hold it open), so ``writable`` serves a
copy of it in a working directory, never the build itself. The union of the named
graphs is the default graph (``--union-default-graph``), as on the embedded store,
so saved queries answer the same without ``GRAPH`` clauses.
"""

from __future__ import annotations

import collections
import collections.abc
import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retinoid_ld.errors import RetinoidError
from retinoid_ld.store import require_current_version, resolve_store_path, version_in_use

DEFAULT_BIND = "127.0.0.1:7878"
DEFAULT_TIMEOUT = 30
WRITABLE_MARKER = ".retinoid-ld-writable-copy"
# What the Oxigraph server prints once it accepts requests.
LISTENING = "Listening for requests"
# A server that dies this many times within the window is given up on, not restarted.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


class ServeError(RetinoidError):
    """The server cannot be started or stopped unexpectedly (exit 2)."""


def find_oxigraph_binary() -> Path:
    """The ``oxigraph`` server binary: beside this Python (its venv's bin), else on PATH."""
    name = "oxigraph.exe" if os.name == "nt" else "oxigraph"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError(
        "the Oxigraph server binary 'oxigraph' is not installed",
        hint="pip install oxigraph (the PyPI package ships the server; pyoxigraph does not)",
    )


def parse_bind(bind: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``[IPv6]:PORT``) to its host and port, with a clear error."""
    host, sep, port_text = bind.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ServeError(f"--bind {bind!r}: expected HOST:PORT", hint="e.g. --bind 127.0.0.1:7878")
    return host.strip("[]"), int(port_text)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail clearly if something already listens there.

    Checked before starting, because a readiness probe would otherwise be
    answered by whatever server already holds the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServeError(
                f"cannot listen on {host}:{port}: {error.strerror or error}",
                hint="another server may use that port; choose another with --bind HOST:PORT",
            ) from None


def _server_lines(lines: collections.abc.Iterable[str]) -> str:
    """The server's own message, without the stack backtrace Rust may append."""
    kept = []
    for line in lines:
        if line.strip().startswith("Stack backtrace"):
            break
        if line.strip():
            kept.append(line)
    return "\n    ".join(kept) or "(no output)"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@dataclass
class OxigraphServer:
    """One Oxigraph server process over a store directory."""

    location: Path
    host: str = "127.0.0.1"
    port: int = 7878
    writable: bool = False
    timeout: int = DEFAULT_TIMEOUT
    process: subprocess.Popen | None = None
    output: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=40))

    @property
    def base_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def graph_store_url(self) -> str:
        return f"{self.base_url}/store"

    def command(self) -> list[str]:
        """The Oxigraph command line this server runs."""
        return [
            str(find_oxigraph_binary()),
            "serve" if self.writable else "serve-read-only",
            "--location",
            str(self.location),
            "--bind",
            f"{_url_host(self.host)}:{self.port}",
            "--union-default-graph",
            "--timeout-s",
            str(self.timeout),
        ]

    def start(self, *, echo: Callable[[str], None] | None = None, wait: float = 30) -> None:
        """Start the process and return once it answers SPARQL requests.

        Also returns if it began listening and then died (a client's request can abort it
        before our probe gets through): the caller's supervision sees it and restarts it.
        A process that dies before it listens is a ServeError.
        """
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            # Its own session: the terminal's Ctrl-C reaches us, and we stop it in order.
            start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(echo,), daemon=True).start()
        self._wait_until_ready(wait)

    def _pump(self, echo: Callable[[str], None] | None) -> None:
        """Keep the server's last lines (for error messages) and pass them on."""
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip())
            if echo:
                echo(line.rstrip())

    def _wait_until_ready(self, seconds: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                time.sleep(0.1)  # let the pump thread read the last lines
                if any(LISTENING in line for line in self.output):
                    # It was serving and then died (a client's request can abort it before
                    # our own probe got through): the caller's supervision restarts it.
                    return
                said = _server_lines(self.output)
                raise ServeError(
                    f"the Oxigraph server stopped at start (exit {self.process.returncode}):"
                    f"\n    {said}",
                    hint="if the address is in use, choose another port with --bind",
                )
            try:
                with urllib.request.urlopen(self.query_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        self.stop()
        raise ServeError(f"the Oxigraph server did not answer at {self.query_url} in {seconds} s")

    def stop(self, *, signal_number: int = signal.SIGTERM, wait: float = 20) -> None:
        """Signal the server (by its pid) and wait for it; SIGKILL only if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal_number)
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(wait)


@contextlib.contextmanager
def served_location(
    store: str | os.PathLike[str] | None,
    *,
    writable: bool = False,
    workdir: str | os.PathLike[str] | None = None,
) -> Iterator[tuple[Path, str]]:
    """The directory to serve and a sentence saying what it is.

    Read-only: the store's current version itself. Writable: a copy of it in
    ``workdir`` (kept, and reused next time) or in a temporary directory removed
    on exit, because a writable server needs exclusive use of its directory and a
    build must never change once published.
    """
    root = resolve_store_path(store)
    version = require_current_version(root)
    if not writable:
        # Pin the version so a rebuild while serving never prunes it from under the server.
        with version_in_use(root) as pinned:
            yield pinned, f"store version {pinned.name} (read-only)"
        return
    if workdir is None:
        temporary = Path(tempfile.mkdtemp(prefix="retinoid-ld-writable-"))
        target = temporary / "store"
        shutil.copytree(version, target)
        (target / WRITABLE_MARKER).write_text(f"copied from {version}\n")
        try:
            yield (
                target,
                (
                    f"a writable copy of store version {version.name} in {target} "
                    "(discarded when the server stops; use --workdir DIR to keep it)"
                ),
            )
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
        return
    target = Path(workdir).expanduser()
    if (target / WRITABLE_MARKER).is_file():
        yield target, f"the writable copy in {target} (kept from before; writes persist)"
        return
    if target.exists() and any(target.iterdir()):
        raise ServeError(
            f"--workdir {target}: the directory is not empty and is not a writable copy",
            hint="give an empty or new directory, or one a previous 'serve --writable' made",
        )
    shutil.copytree(version, target, dirs_exist_ok=True)
    (target / WRITABLE_MARKER).write_text(f"copied from {version}\n")
    yield target, f"a writable copy of store version {version.name} in {target} (writes persist)"


def serve(
    store: str | os.PathLike[str] | None = None,
    *,
    bind: str = DEFAULT_BIND,
    writable: bool = False,
    timeout: int = DEFAULT_TIMEOUT,
    allow_remote: bool = False,
    workdir: str | os.PathLike[str] | None = None,
    announce: Callable[[str], None] = print,
    log: Callable[[str], None] | None = None,
) -> int:
    """Serve the store until SIGINT or SIGTERM; returns 0 after a clean stop.

    ``announce`` receives the endpoint URLs once the server answers; ``log`` the
    server's own output lines.
    """
    host, port = parse_bind(bind)
    if not is_loopback(host) and not allow_remote:
        raise ServeError(
            f"--bind {bind}: refusing to listen on a non-loopback address",
            hint="the server has no authentication: anyone who can reach the port can use it; "
            "add --allow-remote if that is what you want (and keep it read-only)",
        )
    if timeout < 1:
        raise ServeError(f"--timeout {timeout}: must be at least 1 second")
    find_oxigraph_binary()  # fail before copying anything
    check_port_free(host, port)
    with served_location(store, writable=writable, workdir=workdir) as (location, what):
        server = OxigraphServer(location, host=host, port=port, writable=writable, timeout=timeout)
        stop_requested: list[int] = []

        def on_signal(number: int, _frame: object) -> None:
            stop_requested.append(number)
            if server.process is not None and server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)

        previous = {
            number: signal.signal(number, on_signal) for number in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            try:
                server.start(echo=log)
            except ServeError:
                if stop_requested:
                    return 0
                raise
            mode = "read-write" if writable else "read-only"
            announce(f"SPARQL endpoint: {server.query_url}  ({mode}, query timeout {timeout} s)")
            if writable:
                announce(f"update endpoint: {server.update_url}")
                announce(f"graph store:     {server.graph_store_url}?graph=IRI")
            announce(f"browser page:    {server.base_url}/")
            announce(f"serving {what}; press Ctrl-C to stop")
            assert server.process is not None
            # One hostile request can abort the Oxigraph server (a query nested a few
            # thousand groups deep overflows its stack): restart it, unless it keeps dying.
            restarts: collections.deque[float] = collections.deque(maxlen=MAX_RESTARTS)
            while True:
                while server.process.poll() is None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        server.process.wait(0.5)
                if stop_requested:
                    return 0
                said = _server_lines(server.output)
                now = time.monotonic()
                if len(restarts) == MAX_RESTARTS and now - restarts[0] < RESTART_WINDOW:
                    raise ServeError(
                        f"the Oxigraph server stopped by itself (exit {server.process.returncode}"
                        f", {MAX_RESTARTS} times in {RESTART_WINDOW:g} s):\n    {said}"
                    )
                restarts.append(now)
                (log or announce)(
                    f"the Oxigraph server stopped by itself (exit {server.process.returncode}); "
                    f"restarting: {said.splitlines()[-1].strip() if said else ''}"
                )
                server.output.clear()
                server.start(echo=log)
        finally:
            server.stop()
            for number, handler in previous.items():
                signal.signal(number, handler)
