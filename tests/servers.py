"""Real SPARQL servers on 127.0.0.1 for the integration tests: Oxigraph and Virtuoso.

Each server runs on free loopback ports, in a temporary directory, and is stopped by
its process id. Nothing here is a mock: the tests talk HTTP to the real engines.
See /work/shared/notes/sparql-servers.md (measured how-to) and README "Scaling out".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from retinoid_ld.server import find_oxigraph_binary

VIRTUOSO_INI = Path("/usr/share/virtuoso-opensource-7/virtuoso.ini")


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary_or_none() -> str | None:
    try:
        return str(find_oxigraph_binary())
    except Exception:
        return None


def virtuoso_binary_or_none() -> str | None:
    binary = shutil.which("virtuoso-t")
    return binary if binary and VIRTUOSO_INI.is_file() else None


def wait_until_answering(url: str, process: subprocess.Popen, *, seconds: float, log: Path) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it dies or hangs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server did not answer {url} within {seconds} s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen, *, seconds: float = 20) -> int | None:
    """SIGTERM the process (by its pid), then SIGKILL if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(seconds)
    return process.returncode


@dataclass
class RunningServer:
    """A started server: where to send queries, updates and Graph Store requests."""

    process: subprocess.Popen
    base_url: str
    query_url: str
    update_url: str
    graph_store_url: str
    directory: Path
    log: Path
    user: str | None = None
    password: str | None = None


@contextlib.contextmanager
def oxigraph_server(
    directory: Path, *, writable: bool = True, location: Path | None = None
) -> Iterator[RunningServer]:
    """``oxigraph serve`` (in memory unless ``location``) or ``serve-read-only``."""
    binary = oxigraph_binary_or_none()
    assert binary, "oxigraph binary not found"
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "oxigraph.log"
    command = [binary, "serve" if writable else "serve-read-only", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/query", process, seconds=30, log=log)
        yield RunningServer(
            process, base, f"{base}/query", f"{base}/update", f"{base}/store", directory, log
        )
    finally:
        stop(process)


def _set_ini(text: str, section: str, key: str, value: str) -> str:
    """Set ``key = value`` in ``[section]`` of a Virtuoso ini (replacing or appending)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"[{section}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=", re.IGNORECASE)
    for i in range(start + 1, end):
        if pattern.match(lines[i]):
            lines[i] = f"{key} = {value}"
            break
    else:
        lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n"


def virtuoso_ini(directory: Path, *, http_port: int, sql_port: int, max_rows: int) -> Path:
    """A private copy of the packaged ini: own database files, loopback ports, row limits.

    The packaged defaults are kept on purpose (``CaseMode = 2`` makes ASK answer a
    boolean); only paths, ports and the two row limits change.
    """
    db = directory / "db"
    db.mkdir(parents=True, exist_ok=True)
    text = VIRTUOSO_INI.read_text()
    for key, name in (
        ("DatabaseFile", "virtuoso.db"),
        ("ErrorLogFile", "virtuoso.log"),
        ("LockFile", "virtuoso.lck"),
        ("TransactionFile", "virtuoso.trx"),
        ("xa_persistent_file", "virtuoso.pxa"),
    ):
        text = _set_ini(text, "Database", key, str(db / name))
    text = _set_ini(text, "TempDatabase", "DatabaseFile", str(db / "virtuoso-temp.db"))
    text = _set_ini(text, "TempDatabase", "TransactionFile", str(db / "virtuoso-temp.trx"))
    text = _set_ini(text, "Parameters", "ServerPort", f"127.0.0.1:{sql_port}")
    text = _set_ini(text, "Parameters", "DirsAllowed", f"., {directory}")
    text = _set_ini(text, "Parameters", "MaxSortedTopRows", str(max(max_rows, 10000)))
    text = _set_ini(text, "HTTPServer", "ServerPort", f"127.0.0.1:{http_port}")
    text = _set_ini(text, "URIQA", "DefaultHost", f"127.0.0.1:{http_port}")
    text = _set_ini(text, "SPARQL", "ResultSetMaxRows", str(max_rows))
    # Virtuoso refuses a query whose *estimated* cost exceeds 400 s, and its estimates
    # for the saved queries' nested OPTIONALs are wildly off (even negative); 0 disables
    # the estimate. MaxQueryExecutionTime (60 s) still bounds the real run time.
    text = _set_ini(text, "SPARQL", "MaxQueryCostEstimationTime", "0")
    assert re.search(r"^CaseMode\s*=\s*2", text, re.MULTILINE), "CaseMode = 2 must be kept"
    ini = directory / "virtuoso.ini"
    ini.write_text(text)
    return ini


@contextlib.contextmanager
def virtuoso_server(directory: Path, *, max_rows: int = 1_000_000) -> Iterator[RunningServer]:
    """``virtuoso-t +foreground`` with a fresh database (users dba/dba) on free ports."""
    binary = virtuoso_binary_or_none()
    assert binary, "virtuoso-t not found"
    http_port, sql_port = free_port(), free_port()
    while sql_port == http_port:
        sql_port = free_port()
    ini = virtuoso_ini(directory, http_port=http_port, sql_port=sql_port, max_rows=max_rows)
    log = directory / "virtuoso.out"
    with log.open("wb") as out:
        # A simple command (not through a shell) so that the pid is the server's own.
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=directory,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_answering(f"{base}/sparql?query=ASK%7B%7D", process, seconds=90, log=log)
        yield RunningServer(
            process,
            base,
            f"{base}/sparql",
            f"{base}/sparql-auth",
            f"{base}/sparql-graph-crud-auth",
            directory,
            log,
            user="dba",
            password="dba",
        )
    finally:
        stop(process, seconds=60)


@contextlib.contextmanager
def serve_command(
    store: Path, directory: Path, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    """``retinoid-ld serve`` as a real subprocess; yields (process, base URL, log of stderr)."""
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    errors = directory / "serve.err"
    with errors.open("wb") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "retinoid_ld",
                "serve",
                "--store",
                str(store),
                "--bind",
                f"127.0.0.1:{port}",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, **(env or {})},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/query", process, seconds=60, log=errors)
        yield process, base, errors
    finally:
        stop(process)
