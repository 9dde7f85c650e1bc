"""The `goodwill` console script: Django management under one name.

`goodwill migrate`, `goodwill serve`, `goodwill import messages FILE`, ... are
management commands of the goodwill apps; `goodwill help --commands` lists them.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
    from django.core.management import execute_from_command_line

    args = ["goodwill", *(sys.argv[1:] if argv is None else argv)]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
