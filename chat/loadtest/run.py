"""Run a load plan: ramp users up at a fixed rate, let them chat, report what happened."""

import asyncio
import os
import time

import httpx

from .consoles import ConsoleWatch, run_consoles
from .procstat import ProcessWatch, cpu_seconds
from .stats import Recorder, after, summary_ms
from .user import SimUser

PROGRESS_EVERY_S = 1.0
LAG_TICK_S = 0.01


async def watch_loop_lag(rec, end_at):
    """Sample how late this process's event loop wakes up: every timestamp it takes is late by as much.

    The generator times acks and deliveries on its own loop; on a machine it
    shares with the servers, its own lag is part of every figure it reports.
    """
    while time.monotonic() < end_at:
        asked = time.monotonic()
        await asyncio.sleep(LAG_TICK_S)
        woke = time.monotonic()
        rec.loop_lag.append(max(0.0, woke - asked - LAG_TICK_S))
        rec.loop_lag_at.append(asked)


async def agent_replier(plan, rec, http, end_at):
    """Answer acknowledged messages from the agents' instance and let the user time their arrival."""
    while time.monotonic() < end_at:
        try:
            user, client_msg_id = await asyncio.wait_for(plan.reply_queue.get(), 0.5)
        except TimeoutError:
            continue
        reply_id = f"{client_msg_id}-r"
        user.replies[reply_id] = time.monotonic()
        try:
            response = await http.post(
                f"{plan.agent_http_url}/api/chat/messages", headers={"Authorization": f"Bearer {user.token}"},
                json={"client_msg_id": reply_id, "text": "thanks, looking into it"},
            )
        except httpx.HTTPError as exc:
            response, error = None, type(exc).__name__
        if response is not None and response.status_code == 200:
            rec.replies_sent += 1
            user.acked_ids.add(reply_id)
        else:
            user.replies.pop(reply_id, None)
            rec.error(f"reply_{response.status_code if response is not None else error}")


async def run(plan, *, credentials=(), server_pids=(), progress=None, windows=None):
    """Run the plan; return the report as a dict. `progress` gets a status line every second.

    `windows` maps a name to a (start, end) pair of `time.monotonic()` values,
    filled in while the run goes (a rolling restart's span, say); the report
    gives the ack latency of the messages scheduled inside each.
    """
    rec = Recorder()
    watch = ProcessWatch(server_pids) if server_pids else None
    own_cpu0 = cpu_seconds(os.getpid())
    limits = httpx.Limits(max_connections=max(10, plan.agents * 2), max_keepalive_connections=max(10, plan.agents * 2))
    async with httpx.AsyncClient(timeout=plan.timeout_s, limits=limits) as http:
        users = []
        for i in range(plan.users):
            token, device_id = credentials[i] if i < len(credentials) else (None, None)
            users.append(SimUser(i, plan, rec, http, token=token, device_id=device_id))
        t0 = time.monotonic() + 0.2
        end_at = t0 + plan.duration_s
        if plan.agents:
            plan.reply_queue = asyncio.Queue()
        background = [asyncio.create_task(agent_replier(plan, rec, http, end_at)) for _ in range(plan.agents)]
        background.append(asyncio.create_task(watch_loop_lag(rec, end_at)))
        tasks = [asyncio.create_task(u.run(t0 + i / plan.ramp, end_at)) for i, u in enumerate(users)]
        if plan.consoles:
            plan.console_watch = ConsoleWatch()
            # Counted with the users: the run waits for the consoles to see the last messages.
            tasks.append(asyncio.create_task(run_consoles(plan, rec, users, end_at)))
        hard_stop = end_at + plan.drain_s + plan.timeout_s + 5
        while not all(t.done() for t in tasks) and time.monotonic() < hard_stop:
            await asyncio.wait(tasks, timeout=PROGRESS_EVERY_S)
            if watch:
                watch.sample()
            if progress:
                progress(rec.progress(plan.users, len(plan.console_watch.latency) if plan.consoles else None))
        for task in tasks + background:
            task.cancel()
        await asyncio.gather(*tasks, *background, return_exceptions=True)
    elapsed = time.monotonic() - t0
    result = report(plan, rec, users, elapsed, watch)
    result["windows"] = {name: window_report(rec, start, end) for name, (start, end) in (windows or {}).items()}
    result["load_generator_cpu_percent"] = round(100 * (cpu_seconds(os.getpid()) - own_cpu0) / elapsed, 1)
    return result


def report(plan, rec, users, elapsed, watch):
    """Return what the run measured as a plain dict."""
    firsts = sorted(rec.first_connects)
    span = firsts[-1] - firsts[0] if len(firsts) > 1 else 0.0
    replies = sum(len(u.replies) for u in users)
    # Steady state: messages scheduled once every user's first connection had synced,
    # so the figures are not those of a server still busy logging users in.
    steady = firsts[-1] if len(firsts) == plan.users else None
    return {
        "run_id": plan.run_id, "url": plan.url, "encoding": plan.encoding, "users": plan.users,
        "rate_per_user": plan.rate, "duration_s": plan.duration_s, "ramp_per_s": plan.ramp,
        "connect": {
            "users_connected": len(firsts), "connect_rate_per_s": round((len(firsts) - 1) / span, 1) if span else None,
            "reconnects": rec.reconnects, "time_to_synced_ms": summary_ms(rec.connect_times),
            "close_to_synced_again_ms": summary_ms(rec.resync),
        },
        "messages": {
            "sent": rec.sent, "acked": rec.acked, "unacked": sum(len(u.pending) for u in users), "resent": rec.resent,
            "acked_per_s": round(rec.acked / plan.duration_s, 1), "client_duplicates": rec.client_duplicates,
        },
        "ack_latency_ms": summary_ms(rec.ack_latency),
        "steady_state": None if steady is None else {
            "from_s": round(steady - rec.started, 1),
            "ack_latency_ms": summary_ms(after(rec.ack_latency, rec.ack_at, steady)),
            "delivery_latency_ms": summary_ms(after(rec.delivery_latency, rec.delivery_at, steady)),
            "load_generator_loop_lag_ms": summary_ms(after(rec.loop_lag, rec.loop_lag_at, steady)),
        },
        "delivery": None if not plan.agents else {
            "replies_posted": rec.replies_sent, "delivered": rec.delivered, "undelivered": replies - rec.delivered,
            "latency_ms": summary_ms(rec.delivery_latency),
        },
        "agent_delivery": None if not plan.consoles else agent_delivery(plan.console_watch, users),
        "bot": None if not plan.bot_questions else {
            "answered": rec.bot_answered, "superseded": rec.bot_superseded,
            "unanswered": sum(len(u.questions) for u in users), "users_handed_off": rec.bot_handed_off,
            "latency_ms": summary_ms(rec.bot_latency),
            "steady_latency_ms": summary_ms(after(rec.bot_latency, rec.bot_at, steady)) if steady else None,
        },
        "errors": dict(rec.errors),
        "server": watch.report(elapsed, len(firsts)) if watch else None,
        "acked_ids": sorted(i for u in users for i in u.acked_ids),
    }


def window_report(rec, start, end):
    """Ack latency of the messages scheduled between start and end, and the way back of the sockets closed then."""
    inside = [lat for lat, at in zip(rec.ack_latency, rec.ack_at) if start <= at <= end]
    resync = [lat for lat, at in zip(rec.resync, rec.resync_at) if start <= at <= end]
    return {"from_s": round(start - rec.started, 1), "to_s": round(end - rec.started, 1),
            "ack_latency_ms": summary_ms(inside), "close_to_synced_again_ms": summary_ms(resync)}


def agent_delivery(watch, users):
    """Customer messages timed from their scheduled send until an agent console showed them."""
    acked = {client_msg_id for u in users for client_msg_id in u.acked_ids}
    return {
        "users_followed": len(watch.followed), "delivered": len(watch.latency),
        "undelivered": watch.undelivered(acked), "duplicates": watch.duplicates,
        "latency_ms": summary_ms(watch.latency),
    }
