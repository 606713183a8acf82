"""Load the bundled demo knowledge base and store its vectors and floors; running it again changes nothing."""

from django.core.management.base import BaseCommand

from chat.bot.formats import parse
from chat.bot.knowledge import DEMO_KB_PATH
from chat.bot.store import import_entries

from ._kb_eval import report_knowledge


class Command(BaseCommand):
    help = "Upsert the demo knowledge-base articles by id (articles added by hand are kept)."

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        entries = parse(DEMO_KB_PATH.read_text(encoding="utf-8"), "json")
        result = import_entries(entries)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"demo knowledge base: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            )
        # Vectors and floors stored now, as `kb import` does: a server then starts answering at once.
        report_knowledge(self)
