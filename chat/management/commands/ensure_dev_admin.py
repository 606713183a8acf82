"""Create the development superuser admin/admin when no superuser exists (DEBUG only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the development superuser admin/admin if there is no superuser yet (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("refusing to create a development admin with DEBUG off")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("a superuser exists already")
            return
        User.objects.create_superuser("admin", "admin@example.com", "admin")
        self.stdout.write("created superuser admin / admin (development only)")
