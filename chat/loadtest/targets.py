"""What the storm and the roll act on: loopback instances, a process to kill, a command to run.

Both scenarios stop servers. They only ever reach instances on this
machine's loopback, and they signal only a process that is a csbot server,
so a mistyped URL or pid cannot take down anything else.
"""

import asyncio
import ipaddress
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlparse

OUTPUT_LINES_KEPT = 20
SERVER_MARKERS = (b"csbot.serve", b"daphne", b"csbot.asgi")


class TargetError(Exception):
    """A target the scenario refuses to act on."""


def is_loopback(url):
    """Return whether a URL's host is this machine's loopback (localhost, 127.0.0.0/8, ::1)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(urls):
    """Raise TargetError for the first URL that is not on loopback."""
    for url in urls:
        if not is_loopback(url):
            raise TargetError(f"{url}: the storm and the roll stop servers, so they only run against loopback")


def require_server_pid(pid):
    """Raise TargetError unless `pid` is a running csbot server process."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError as exc:
        raise TargetError(f"pid {pid}: no such process") from exc
    if not any(marker in cmdline for marker in SERVER_MARKERS):
        shown = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()[:120]
        raise TargetError(f"pid {pid} is not a csbot server ({shown!r}); refusing to signal it")


def signal_number(name):
    """Return the signal for a name such as KILL, SIGKILL or 9."""
    if name.isdigit():
        return signal.Signals(int(name))
    try:
        return signal.Signals[name.upper() if name.upper().startswith("SIG") else "SIG" + name.upper()]
    except KeyError as exc:
        raise TargetError(f"unknown signal {name!r}") from exc


async def run_command(command, *, timeout_s):
    """Run a shell command in its own session; stop it after `timeout_s`. Return what happened."""
    started = time.monotonic()
    proc = await asyncio.create_subprocess_shell(
        command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )
    timed_out = False
    try:
        output, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        timed_out = True
        # The whole session: a restart script's own children must not outlive it.
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = await proc.communicate()
    lines = output.decode(errors="replace").splitlines()
    return {
        "command": command, "returncode": proc.returncode, "timed_out": timed_out,
        "seconds": round(time.monotonic() - started, 1), "output_tail": lines[-OUTPUT_LINES_KEPT:],
    }


async def kill_instance(*, pid=None, command=None, sig=signal.SIGKILL, timeout_s=30.0):
    """Send `sig` to a server pid, or run a command that kills one; return what was done."""
    if pid is not None:
        require_server_pid(pid)
        os.kill(pid, sig)
        return {"pid": pid, "signal": sig.name}
    return await run_command(command, timeout_s=timeout_s)
