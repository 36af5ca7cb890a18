"""The ``hotline`` command.

Every subcommand is a Django management command, so ``hotline serve``, ``hotline demo``,
``hotline user create``, ``hotline audit verify``, ``hotline migrate`` and
``hotline triage …`` share one settings module and one database URL.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["hotline", *args])


if __name__ == "__main__":
    main()
