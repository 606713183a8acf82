"""An inline SVG bar chart of the last 24 hours, drawn on the server."""

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT, PAD = 720, 160, 20


def hourly_svg(rows):
    """Return an SVG of conversations opened (bars) and handed to humans (darker bars) per hour."""
    top = max([1] + [opened for _, opened, _ in rows])
    step = (WIDTH - 2 * PAD) / max(1, len(rows))
    scale = (HEIGHT - 2 * PAD) / top
    bars = []
    for i, (hour, opened, handed) in enumerate(rows):
        x = PAD + i * step
        label = timezone.localtime(hour).strftime("%H:00")
        bars.append((x, HEIGHT - PAD - opened * scale, step * 0.8, opened * scale, "opened", _("%(hour)s: %(n)s opened") % {"hour": label, "n": opened}))
        bars.append((x + step * 0.2, HEIGHT - PAD - handed * scale, step * 0.4, handed * scale, "handed", _("%(hour)s: %(n)s to humans") % {"hour": label, "n": handed}))
    body = format_html_join(
        "", '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
        ((cls, f"{x:.1f}", f"{y:.1f}", f"{w:.1f}", f"{h:.1f}", title) for x, y, w, h, cls, title in bars),
    )
    labels = format_html_join(
        "", '<text x="{}" y="{}">{}</text>',
        ((f"{PAD + i * step:.1f}", HEIGHT - 4, timezone.localtime(hour).strftime("%H")) for i, (hour, _, _) in enumerate(rows) if i % 3 == 0),
    )
    return format_html(
        '<svg class="csbot-chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<text x="{}" y="12">{}</text>{}{}</svg>',
        WIDTH, HEIGHT, _("Conversations in the last 24 hours"), PAD, _("max %(n)s") % {"n": top}, body, labels,
    ) if rows else mark_safe("")
