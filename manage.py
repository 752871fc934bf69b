#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # manage.py is the developer's tool: without DEBUG in the environment it runs in
    # development mode. The web server (wsgi/asgi) and Celery default to production, and a
    # production shell sets DEBUG=0 (then SECRET_KEY is required).
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
