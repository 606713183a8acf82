"""The alert rules and the dashboard name only metrics the code exports."""

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from chat import metrics  # noqa: F401  (registers the metrics)
from chat.observability.collectors import QueueCollector
from csbot import gcpolicy  # noqa: F401  (registers the collector's pause histogram)

OPS = Path(__file__).resolve().parents[2] / "docs" / "ops"
SUFFIXES = ("_bucket", "_count", "_sum")


def exported_names():
    names = set()
    for family in list(REGISTRY.collect()) + list(QueueCollector(snapshot=lambda: (0, 0.0)).collect()):
        # Labelled metrics have no samples until used, so derive the series names from the family.
        names.add(family.name)
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def referenced(text):
    return set(re.findall(r"\b(csbot_[a-z_]+)", text))


@pytest.mark.parametrize("name", ["csbot-alerts.yml", "grafana-dashboard.json"])
def test_ops_files_reference_exported_metrics(name):
    text = (OPS / name).read_text()
    missing = {n for n in referenced(text) if n not in exported_names() and not n.startswith("csbot_instance")}
    assert not missing, f"{name} names metrics nobody exports: {sorted(missing)}"


def test_dashboard_is_valid_json_with_panels():
    dashboard = json.loads((OPS / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] == "csbot-overview" and len(dashboard["panels"]) >= 10
    assert all(panel["targets"] for panel in dashboard["panels"])


def test_the_unit_waits_longer_than_the_paced_going_away(settings):
    """systemd must not kill an instance that is still telling its sockets 1001."""
    unit = (OPS / "systemd" / "csbot@.service").read_text()
    stop = float(re.search(r"^TimeoutStopSec=(\d+)", unit, re.MULTILINE).group(1))
    assert stop > settings.CSBOT_DRAIN_MAX_S + 2  # the last slice, the flush, the exit
