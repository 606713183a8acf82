"""The console page and the admin index's dashboard, served inside the Django admin."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.utils.translation import gettext as _

from chat.protocol.errors import ErrorCode
from csbot.csp import content_security_policy

from . import availability, charts, presence, reports
from .console import canned_responses
from .models import AgentProfile
from .permissions import REPORTS, is_agent


@content_security_policy
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
