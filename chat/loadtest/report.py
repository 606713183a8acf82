"""The load report as text."""


def latency(summary):
    """Return a latency summary as one line."""
    if not summary or not summary.get("count"):
        return "no samples"
    return (f"p50 {summary['p50']} ms  p95 {summary['p95']} ms  p99 {summary['p99']} ms  "
            f"mean {summary['mean']} ms  max {summary['max']} ms  ({summary['count']} samples)")


def render(result):
    """Return the report lines for a run's result dict."""
    c, m = result["connect"], result["messages"]
    lines = [
        f"load run {result['run_id']}: {result['users']} users on {result['url']} ({result['encoding']}), "
        f"{result['rate_per_user']} msg/s each for {result['duration_s']} s, ramp {result['ramp_per_s']}/s",
        f"connected       {c['users_connected']}/{result['users']} users at {c['connect_rate_per_s']} /s, "
        f"{c['reconnects']} reconnects; time to synced {latency(c['time_to_synced_ms'])}",
        f"messages        sent {m['sent']}  acked {m['acked']}  unacked {m['unacked']}  resent {m['resent']}  "
        f"throughput {m['acked_per_s']} acked/s",
        f"ack latency     {latency(result['ack_latency_ms'])}",
    ]
    delivery = result.get("delivery")
    if delivery is None:
        lines.append("delivery        not measured (add --agents M [--agent-url ws://OTHER])")
    else:
        lines.append(f"delivery        {latency(delivery['latency_ms'])}; replies {delivery['replies_posted']}, "
                     f"undelivered {delivery['undelivered']}")
    agents = result.get("agent_delivery")
    if agents is not None:
        lines.append(f"to agents       {latency(agents['latency_ms'])}; messages sent once the consoles followed "
                     f"{agents['users_followed']} users' conversations, "
                     f"undelivered {agents['undelivered']}, shown twice {agents['duplicates']}")
    bot = result.get("bot")
    if bot is not None:
        lines.append(f"bot answers     {latency(bot['latency_ms'])}; answered {bot['answered']}, "
                     f"unanswered {bot['unanswered']}, superseded by a newer question {bot['superseded']}, "
                     f"users handed to a person {bot['users_handed_off']}")
    steady = result.get("steady_state")
    if steady is None:
        lines.append("steady state    not reached (not every user connected)")
    else:
        lines.append(f"after ramp      from t={steady['from_s']} s, when every user had synced:")
        lines.append(f"  ack latency   {latency(steady['ack_latency_ms'])}")
        if delivery is not None:
            lines.append(f"  delivery      {latency(steady['delivery_latency_ms'])}")
        if bot is not None and bot.get("steady_latency_ms"):
            lines.append(f"  bot answers   {latency(bot['steady_latency_ms'])}")
        if steady.get("load_generator_loop_lag_ms"):
            lag = latency(steady["load_generator_loop_lag_ms"])
            lines.append(f"  generator lag {lag}  (its own event loop, in every figure above)")
    lines.append(f"duplicates      {m['client_duplicates']} message frames seen twice by a client")
    errors = result["errors"]
    lines.append("errors          " + (", ".join(f"{k} {v}" for k, v in sorted(errors.items())) if errors else "none"))
    database = result.get("database")
    if database is not None:
        lines.append(
            f"database        lost {database['lost']}  duplicated {database['duplicated']}  "
            f"(acked {database['acked']}, stored {database['stored']}, stored without ack "
            f"{database['stored_without_ack']}, conversations with seq gaps {database['conversations_with_seq_gaps']})"
        )
    for pid, figures in (result.get("server") or {}).items():
        lines.append(
            f"server pid {pid}  CPU {figures['cpu_percent']}%  RSS {figures['rss_start_mib']} -> "
            f"{figures['rss_peak_mib']} MiB  ({figures['kib_per_socket']} KiB per socket)"
        )
    if result.get("load_generator_cpu_percent") is not None:
        lines.append(f"load generator  CPU {result['load_generator_cpu_percent']}% (this process, same machine)")
    return "\n".join(lines)
