"""What every import command starts with: the school by its BRIN code and a file that exists,
or a clear CommandError (a non-zero exit) saying which is wrong."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from portal import services


def school_of(brin):
    try:
        return services.find_school(brin)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc


def existing_file(path):
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    return path
