#!/usr/bin/env python
"""Run Django's command-line utility for csbot."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
