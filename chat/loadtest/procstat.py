"""CPU and memory of a server process, read from /proc (Linux)."""

import os
from pathlib import Path


def cpu_seconds(pid):
    """Return the user plus system CPU seconds a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    """Return a process's resident memory in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class ProcessWatch:
    """Track CPU use and peak memory of server processes over a run."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.cpu0 = {pid: cpu_seconds(pid) for pid in self.pids}
        self.rss0 = {pid: rss_kib(pid) for pid in self.pids}
        self.peak = dict(self.rss0)

    def sample(self):
        for pid in self.pids:
            try:
                self.peak[pid] = max(self.peak[pid], rss_kib(pid))
            except OSError:
                pass

    def report(self, elapsed, sockets):
        """Return per process: CPU share, memory before and at peak, and growth per socket."""
        out = {}
        for pid in self.pids:
            try:
                cpu = cpu_seconds(pid) - self.cpu0[pid]
            except OSError:
                cpu = None
            growth = self.peak[pid] - self.rss0[pid]
            out[str(pid)] = {
                "cpu_percent": round(100 * cpu / elapsed, 1) if cpu is not None and elapsed > 0 else None,
                "cpu_seconds": round(cpu, 2) if cpu is not None else None,
                "rss_start_mib": round(self.rss0[pid] / 1024, 1), "rss_peak_mib": round(self.peak[pid] / 1024, 1),
                "kib_per_socket": round(growth / sockets, 1) if sockets else None,
            }
        return out
