"""A sampling profiler for a whole server process, every thread, without tools outside the standard library.

Run a daphne under it: `python -m bench.sampler OUT.txt -- -p 8101 csbot.asgi:application`.
Every few milliseconds it records the stack of each thread that is not
waiting; on exit (SIGINT/SIGTERM) it writes the functions by share of samples,
both as the frame running (self) and anywhere on the stack (total), so the
cost of turn rows, claims, publishing and the encoder shows apart.
"""

from __future__ import annotations

import collections
import os
import signal
import sys
import threading

IDLE = {"wait", "select", "poll", "_worker", "get", "acquire", "sleep", "epoll", "_wait_for_tstate_lock",
        "doPoll", "run_forever"}


class Sampler:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.self_counts: collections.Counter = collections.Counter()
        self.total_counts: collections.Counter = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="sampler", daemon=True).start()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me or frame.f_code.co_name in IDLE:
                    continue
                self.samples += 1
                self.self_counts[_name(frame)] += 1
                seen = set()
                while frame is not None:
                    name = _name(frame)
                    if name not in seen:
                        seen.add(name)
                        self.total_counts[name] += 1
                    frame = frame.f_back

    def write(self, path: str) -> None:
        self._stop.set()
        with open(path, "w") as out:
            out.write(f"{self.samples} busy samples every {self.interval * 1000:.0f} ms\n\n== total (on the stack)\n")
            for name, n in self.total_counts.most_common(120):
                out.write(f"{100 * n / max(self.samples, 1):6.1f}%  {name}\n")
            out.write("\n== self (running)\n")
            for name, n in self.self_counts.most_common(60):
                out.write(f"{100 * n / max(self.samples, 1):6.1f}%  {name}\n")


def _name(frame) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "/chat/", "/csbot/", "lib/python3.11/"):
        if marker in path:
            path = path[path.index(marker):]
            break
    return f"{path}:{code.co_name}"


def _dump(*_) -> None:
    """Print every thread's stack and every task's (SIGUSR2): where a stalled server waits."""
    import asyncio
    import faulthandler

    faulthandler.dump_traceback(all_threads=True)
    try:
        for task in asyncio.all_tasks(asyncio.get_event_loop()):
            if "bot" in task.get_name():
                print(task, file=sys.stderr)
                task.print_stack(limit=8, file=sys.stderr)
    except RuntimeError as exc:
        print(f"no tasks: {exc}", file=sys.stderr)


def main() -> None:
    out, rest = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    sampler = Sampler()
    sampler.start()

    def stop(*_):
        sampler.write(out)
        os._exit(0)

    signal.signal(signal.SIGUSR1, stop)
    signal.signal(signal.SIGUSR2, _dump)
    try:  # csbot's server class where the checkout has one
        from csbot.serve import CommandLine as CommandLineInterface
    except ImportError:
        from daphne.cli import CommandLineInterface

    sys.argv = ["daphne", *rest]
    try:
        CommandLineInterface.entrypoint()
    finally:
        sampler.write(out)


if __name__ == "__main__":
    main()
