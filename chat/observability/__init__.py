"""Metrics endpoint, scrape-time collectors and structured logs."""
