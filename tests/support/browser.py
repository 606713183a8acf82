"""Debian's headless Chromium for page tests; never a downloaded browser."""

import os

from . import services

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking switches Chromium keeps dialling hosts a
# closed test machine cannot reach.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path():
    """Return Chromium's path; missing means skip locally and fail under CI."""
    if not os.path.exists(CHROMIUM):
        services.missing(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    return CHROMIUM
