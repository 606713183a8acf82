"""The bot's knowledge base: manage.py kb import FILE [--replace] | kb export FILE | kb eval QUESTIONS [--kb FILE]."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chat.bot.formats import KBFormatError, format_for, parse, render
from chat.bot.store import export_entries, import_entries

from ._kb_eval import evaluate_file, report_knowledge

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import or export knowledge-base articles as .json, .csv or .md (format from the extension)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="upsert articles by id; nothing is written if any row is bad")
        load.add_argument("file")
        load.add_argument("--replace", action="store_true", help="also delete articles the file does not hold")
        load.add_argument("--format", choices=["json", "csv", "md"], help="override the extension")
        dump = sub.add_parser("export", help="write every article, enabled or not")
        dump.add_argument("file")
        dump.add_argument("--format", choices=["json", "csv", "md"], help="override the extension")
        check = sub.add_parser("eval", help="ask labelled questions through the bot's decision path and report")
        check.add_argument("file", help="questions: {\"items\": [{question, expected, kind}]}")
        check.add_argument("--kb", help="a knowledge-base file to evaluate in memory instead of the database's")
        check.add_argument("--json", action="store_true", help="print the figures as JSON")
        check.add_argument("--show-mistakes", action="store_true", help="list wrong answers and missed hand-offs")

    def handle(self, *args, action, file, **options):
        self.verbosity = options["verbosity"]
        try:
            if action == "eval":
                evaluate_file(self, Path(file), kb=options.get("kb"), as_json=options["json"],
                              show_mistakes=options["show_mistakes"])
                return
            kind = format_for(file, options.get("format"))
            if action == "import":
                self.load(Path(file), kind, replace=options["replace"])
            else:
                self.dump(Path(file), kind)
        except KBFormatError as exc:
            shown = exc.errors[:MAX_ERRORS_SHOWN]
            more = len(exc.errors) - len(shown)
            lines = [f"{file}: {error}" for error in shown] + ([f"... and {more} more"] if more > 0 else [])
            raise CommandError("nothing imported:\n" + "\n".join(lines)) from exc

    def load(self, path, kind, *, replace):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        # Every row is validated before the single transaction that writes them.
        entries = parse(text, kind)
        if replace and not entries:
            raise CommandError(f"{path} holds no articles; refusing to replace the knowledge base with nothing")
        result = import_entries(entries, replace=replace)
        if self.verbosity >= 1:
            self.stdout.write(
                f"imported {len(entries)} articles from {path}: {result.created} created, "
                f"{result.updated} updated, {result.unchanged} unchanged, {result.deleted} deleted"
            )
        # Vectors and decision floors are computed now, so serving instances start warm.
        report_knowledge(self)

    def dump(self, path, kind):
        entries = export_entries()
        try:
            path.write_text(render(entries, kind), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc}") from exc
        self.stdout.write(f"exported {len(entries)} articles to {path}")
