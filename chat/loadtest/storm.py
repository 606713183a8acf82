"""The reconnect storm: idle customers over several instances, one instance killed, its customers back on the others.

The phases, each bounded in time:

1. `idle` customers connect, spread over the instances in turn, from worker
   processes, and keep only their heartbeat (at most until the ramp's time
   plus two timeouts).
2. Each instance's memory is read again: its growth over the sockets it
   holds is the memory per idle socket (when the server pids are given).
3. The chatters connect to the second instance and chat; `before_s` after
   their ramp the first instance is killed (a signal to its pid, or a
   command). Its customers come back with the SDK's full-jitter backoff,
   each to the next instance, and resume.
4. `after_s` later everything stops. The report: time from the kill until
   each of its customers was synced again, the chatters' acks before and
   after the kill, every close code (1013: turned away by admission).
"""

import asyncio
import collections
import dataclasses
import signal
import time

from .idle import collect, start_workers
from .procstat import rss_kib
from .run import run
from .stats import summary_ms
from .targets import TargetError, kill_instance

SPAWN_S = 10.0  # for a worker process to start and import what it needs
CLOSE_S = 15.0  # for the idle sockets' closing handshakes once the storm ends


@dataclasses.dataclass
class Storm:
    urls: list  # the first is killed; the chatters use the second
    idle: int
    idle_ramp: float = 200.0  # new idle connections per second, over all workers
    workers: int = 1
    kill_pid: int | None = None
    kill_command: str = ""
    kill_signal: signal.Signals = signal.SIGKILL
    before_s: float = 10.0
    after_s: float = 20.0
    server_pids: tuple = ()  # in the order of urls: memory per idle socket
    idle_credentials: tuple = ()  # (token, device id) per idle customer; dev login without them


def rss_of(pids):
    """Return each pid's resident memory in KiB (None for one that is gone)."""
    out = []
    for pid in pids:
        try:
            out.append(rss_kib(pid))
        except OSError:
            out.append(None)
    return out


async def run_storm(storm, plan, *, credentials=(), progress=None):
    """Run the storm with `plan` for the chatters; return the chatters' report with a "storm" section."""
    progress = progress or (lambda line: None)
    rss_start = rss_of(storm.server_pids)
    given = storm.idle_credentials
    customers = [(i, *(given[i] if i < len(given) else (None, None))) for i in range(storm.idle)]
    connect_by = time.monotonic() + SPAWN_S + storm.idle / storm.idle_ramp + 2 * plan.timeout_s
    chat_s = plan.users / plan.ramp + storm.before_s + storm.after_s
    shared, procs = start_workers(customers, storm.urls, workers=storm.workers, ramp=storm.idle_ramp,
                                  timeout_s=plan.timeout_s, run_id=plan.run_id,
                                  end_at=connect_by + chat_s + plan.drain_s + 30)
    killed, windows = {}, {}
    try:
        while shared.synced() < storm.idle and time.monotonic() < connect_by:
            progress(f"idle sockets synced {shared.synced()}/{storm.idle} {list(shared.held[:])}")
            await asyncio.sleep(0.5)
        held = list(shared.held[:])
        rss_idle = rss_of(storm.server_pids)
        progress(f"idle sockets synced {sum(held)}/{storm.idle} {held}; chatters start")
        chat_plan = dataclasses.replace(plan, url=storm.urls[1], duration_s=chat_s)
        started = time.monotonic()
        shared.end_at.value = started + 0.2 + chat_s  # the chatters' run starts 0.2 s in (run.run)
        kill_at = started + 0.2 + plan.users / plan.ramp + storm.before_s
        result, _ = await asyncio.gather(
            run(chat_plan, credentials=credentials, progress=progress, windows=windows),
            kill_later(storm, shared, kill_at, killed, windows),
        )
    finally:
        shared.end_at.value = min(shared.end_at.value, time.monotonic() + plan.drain_s)
        events = await asyncio.to_thread(collect, shared, procs,
                                         timeout_s=max(0.0, shared.end_at.value - time.monotonic()) + CLOSE_S)
    result["storm"] = storm_report(storm, events, held, killed, result["windows"], rss_start, rss_idle)
    return result


async def kill_later(storm, shared, at, killed, windows):
    """At `at`, kill the first instance; note when, and the windows before and after."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    killed["held"] = list(shared.held[:])
    killed["at"] = time.monotonic()
    try:
        killed.update(await kill_instance(pid=storm.kill_pid, command=storm.kill_command, sig=storm.kill_signal))
    except (TargetError, OSError) as exc:
        killed["error"] = str(exc)
    windows["before"] = (killed["at"] - storm.before_s, killed["at"])
    windows["after"] = (killed["at"], killed["at"] + storm.after_s)


def storm_report(storm, events, held, killed, windows, rss_start, rss_idle):
    """Return the storm's figures from the idle customers' events."""
    killed_at = killed.get("at", float("inf"))
    firsts = [e for e in events if e[0] == "first"]
    back = {}  # customer -> (seconds from the kill to synced again, instance), its first return after the kill
    for _, index, closed_at, synced_at, url_index in sorted((e for e in events if e[0] == "back"), key=lambda e: e[3]):
        if closed_at >= killed_at and index not in back:
            back[index] = (synced_at - killed_at, url_index)
    not_back = {e[1] for e in events if e[0] == "not_back" and e[2] >= killed_at} - back.keys()
    closes = collections.Counter(e[1] for e in events if e[0] == "close")
    kill = {k: v for k, v in killed.items() if k not in ("at", "held")}
    return {
        "instances": storm.urls, "killed_url": storm.urls[0], "idle": storm.idle, "idle_synced": len(firsts),
        "idle_held_per_instance": held, "held_at_kill": killed.get("held"), "kill": kill,
        "customers_closed_by_kill": len(back) + len(not_back), "synced_again": len(back), "not_back": len(not_back),
        "resumed_on": dict(collections.Counter(storm.urls[u] for _, u in back.values())),
        "kill_to_synced_again_ms": summary_ms([s for s, _ in back.values()]),
        "closes": dict(closes), "refused_1013": closes.get("1013", 0),
        "chatters_before_kill": windows.get("before"), "chatters_after_kill": windows.get("after"),
        "memory": memory(storm, held, rss_start, rss_idle),
    }


def memory(storm, held, rss_start, rss_idle):
    """Resident memory per instance before and with the idle sockets, and its growth per socket held."""
    out = []
    for n, pid in enumerate(storm.server_pids[:len(storm.urls)]):
        before, after = rss_start[n], rss_idle[n]
        sockets = held[n]
        per = round((after - before) / sockets, 1) if before and after and sockets else None
        out.append({"url": storm.urls[n], "pid": pid, "idle_sockets": sockets, "kib_per_idle_socket": per,
                    "rss_before_mib": round(before / 1024, 1) if before else None,
                    "rss_with_idle_mib": round(after / 1024, 1) if after else None})
    return out
