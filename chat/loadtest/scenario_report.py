"""The storm's and the roll's sections of the load report, as text."""

from .report import latency


def render_storm(storm):
    """Return the storm's report lines."""
    held = storm["idle_held_per_instance"]
    lines = [
        f"storm           {storm['idle']} idle customers over {len(storm['instances'])} instances, "
        f"{storm['idle_synced']} synced {held}; killed {storm['killed_url']} holding "
        f"{(storm['held_at_kill'] or [None])[0]} ({_kill(storm['kill'])})",
        f"  back again    {storm['synced_again']} of {storm['customers_closed_by_kill']} customers closed by the kill, "
        f"{storm['not_back']} not back; on {storm['resumed_on']}",
        f"  kill->synced  {latency(storm['kill_to_synced_again_ms'])}",
        "  closes        " + (", ".join(f"{k} {v}" for k, v in sorted(storm["closes"].items())) or "none")
        + f"  (1013 refusals {storm['refused_1013']})",
    ]
    for name, key in (("before kill", "chatters_before_kill"), ("after kill ", "chatters_after_kill")):
        window = storm.get(key)
        lines.append(f"  chatters ack {name} {latency(window['ack_latency_ms']) if window else 'no window'}")
    for figures in storm["memory"]:
        lines.append(f"  memory        {figures['url']} pid {figures['pid']}: RSS {figures['rss_before_mib']} -> "
                     f"{figures['rss_with_idle_mib']} MiB with {figures['idle_sockets']} idle sockets, "
                     f"{figures['kib_per_idle_socket']} KiB each")
    return lines


def _kill(kill):
    if "error" in kill:
        return f"kill failed: {kill['error']}"
    if "pid" in kill:
        return f"{kill['signal']} to pid {kill['pid']}"
    return f"`{kill.get('command')}` exited {kill.get('returncode')}"


def render_roll(roll):
    """Return the roll's report lines."""
    state = "timed out and was stopped" if roll.get("timed_out") else f"exited {roll.get('returncode')}"
    lines = [
        f"roll            `{roll.get('command')}` {state} after {roll.get('seconds')} s "
        f"(t={roll.get('from_s')} s to t={roll.get('to_s')} s)",
        f"  ack in roll   {latency(roll.get('ack_latency_ms'))}",
        f"  close->synced {latency(roll.get('close_to_synced_again_ms'))}",
        f"  refused       {roll['handshakes_refused']} handshakes"
        + (f" {roll['refused_by_kind']}" if roll["refused_by_kind"] else "")
        + f", {roll['closed_1013']} sockets closed with 1013",
    ]
    lines.extend(f"  | {line}" for line in roll.get("output_tail") or ())
    return lines


def render_scenario(result):
    """Return the extra lines of a storm or roll run (none for a plain chat run)."""
    if result.get("storm"):
        return render_storm(result["storm"])
    if result.get("roll"):
        return render_roll(result["roll"])
    return []
