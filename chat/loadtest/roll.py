"""The rolling restart: users chat through the proxy while a restart command rolls the instances behind it.

The users are those of the chat scenario, on the proxy's URL. `roll_at`
seconds after the start (by default once the ramp is over) the restart
command runs, e.g. `scripts/rolling_restart.sh 8001 8002`, stopped if it
outlasts `timeout_s`. The span it ran is a window of the report: the ack
latency of the messages scheduled in it, and the time from a socket's close
in it to its user being synced again. Handshakes the proxy or an instance
refused (502, refused connects, 1013) are counted from the users' errors.
"""

import asyncio
import time

from .run import run
from .targets import run_command

SETTLE_S = 2.0  # after the ramp, before the roll: the figures before it are steady ones


def default_roll_at(plan):
    """Seconds from the start: once every user should have connected."""
    return plan.users / plan.ramp + SETTLE_S


async def run_roll(plan, *, command, roll_at, timeout_s, credentials=(), server_pids=(), progress=None):
    """Run the users and the restart command; return the users' report with a "roll" section."""
    windows, outcome = {}, {}

    async def rolling():
        await asyncio.sleep(roll_at)
        started = time.monotonic()
        if progress:
            progress(f"roll: {command}")
        outcome.update(await run_command(command, timeout_s=timeout_s))
        windows["roll"] = (started, time.monotonic())

    result, _ = await asyncio.gather(
        run(plan, credentials=credentials, server_pids=server_pids, progress=progress, windows=windows), rolling(),
    )
    window = result["windows"].get("roll", {})
    errors = result["errors"]
    refused = {kind: n for kind, n in errors.items() if kind.startswith("connect_")}
    result["roll"] = {
        **outcome, "from_s": window.get("from_s"), "to_s": window.get("to_s"),
        "ack_latency_ms": window.get("ack_latency_ms"),
        "close_to_synced_again_ms": window.get("close_to_synced_again_ms"),
        "handshakes_refused": sum(refused.values()), "refused_by_kind": refused,
        "closed_1013": errors.get("closed_1013", 0),
        "finished_before_end": window.get("to_s") is not None and window["to_s"] <= plan.duration_s,
    }
    return result
