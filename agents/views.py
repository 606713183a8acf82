"""The console page and the admin index's dashboard, served inside the Django admin."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from chat import media
from chat.media_views import upload_answer
from chat.protocol.errors import ErrorCode

from . import availability, charts, presence, reports
from .console import canned_responses
from .models import AgentProfile
from .permissions import REPORTS, is_agent

# What the console shows for a refused picture, in the agent's language.
REFUSALS = {
    "too_large": gettext_lazy("The picture is too large."),
    "unsupported_type": gettext_lazy("Only JPEG, PNG, WebP and GIF pictures can be sent."),
}


def console(request):
    """Render the live console; the socket brings its content."""
    if not is_agent(request.user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Console"),
        "canned": canned_responses(),
        # The status the agent chose last time: opening or reloading the console keeps it.
        "my_status": presence.profile_for(request.user).status,
        "statuses": AgentProfile.Status.choices,
    }
    return TemplateResponse(request, "agents/console.html", context)


def dashboard_context(request):
    """Return the dashboard's figures for those who may see reports, else nothing."""
    context = {"show_console": is_agent(request.user)}
    if request.user.has_perm(REPORTS):
        figures = reports.dashboard()
        for agent in figures["agents"]:
            agent["status_label"] = AgentProfile.Status(agent["status"]).label
        context.update(dashboard=figures, chart=charts.hourly_svg(figures["hourly"]))
    return context


@require_POST
def console_media(request):
    """Take a picture an agent is about to send: the same checks and cleaning as a customer's upload."""
    if not is_agent(request.user):
        raise PermissionDenied
    try:
        upload = request.FILES.get("file")
    except (RequestDataTooBig, TooManyFilesSent):
        return JsonResponse({"error": "too_large", "message": _("The picture is too large.")}, status=413)
    except (MultiPartParserError, SuspiciousOperation):
        upload = None
    if upload is None:
        return JsonResponse({"error": "invalid_request", "message": _("Choose a picture to send.")}, status=400)
    try:
        if upload.size > settings.CSBOT_MAX_MEDIA_BYTES:
            raise media.too_large()
        row = media.save_cleaned(media.clean(upload), uploaded_by=request.user)
    except media.MediaRefused as exc:
        return JsonResponse({"error": exc.code, "message": str(REFUSALS.get(exc.code, exc.message))}, status=exc.status)
    finally:
        upload.close()
    return JsonResponse(upload_answer(row))


# No queue is this long; a bigger number is a mistake, not a place in line.
MAX_POSITION = 10000


def position_arg(request):
    """Return the `position` query argument (None when absent); raise ValueError when it is no place in line."""
    raw = request.GET.get("position")
    if raw in (None, ""):
        return None
    position = int(raw)
    if not 1 <= position <= MAX_POSITION:
        raise ValueError(raw)
    return position


@require_GET
def chat_availability(request):
    """Tell the chat page whether an agent can answer now and, given its place in line, about how long it waits."""
    try:
        position = position_arg(request)
    except ValueError:
        return JsonResponse(
            {"error": ErrorCode.INVALID_FIELD, "message": f"position must be a number from 1 to {MAX_POSITION}"},
            status=400,
        )
    response = JsonResponse(availability.availability(position=position))
    response["Cache-Control"] = "max-age=15"
    return response
