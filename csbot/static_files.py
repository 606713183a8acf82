"""Static files from the apps' folders, where a path that climbs out is a 404, not a 500."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.http import Http404


class StaticFiles(ASGIStaticFilesHandler):
    """Django's static handler; `/static/../x` is refused as not found.

    The finders refuse such a path with SuspiciousFileOperation, which the
    stock handler lets through as a server error (and a traceback in the log).
    """

    def serve(self, request):
        try:
            return super().serve(request)
        except (SuspiciousOperation, ValueError) as exc:  # ValueError: a NUL in the path
            raise Http404("no such file") from exc
