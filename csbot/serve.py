"""Run csbot under daphne with csbot's server class: `python -m csbot.serve [daphne options] csbot.asgi:application`.

Every daphne option works as with `python -m daphne`; see csbot/server.py
for what the server class changes.
"""

from daphne.cli import CommandLineInterface as DaphneCommandLine

from csbot.server import Server


class CommandLine(DaphneCommandLine):
    """Daphne's command line, serving with `csbot.server.Server`."""

    server_class = Server


if __name__ == "__main__":
    CommandLine.entrypoint()
