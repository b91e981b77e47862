#!/usr/bin/env python3
"""`make serve` keeps the settings it was started with: persist-env.py FILE NAME...

For each NAME set in the environment, FILE gets the line NAME=value (replacing an earlier one), so
that later commands (`.venv/bin/python manage.py ...`, the next `make serve`) use the same
PUBLIC_URL and database as the server. Names not set in the environment are left as they are.
"""

import os
import re
import sys
from pathlib import Path


def _line(name: str, value: str) -> str:
    if "\n" in value or "'" in value:
        sys.exit(f"{name} holds a newline or a single quote: set it in {sys.argv[1]} by hand.")
    return f"{name}='{value}'" if re.search(r"[\s#\"]", value) else f"{name}={value}"


def main() -> None:
    path, names = Path(sys.argv[1]), sys.argv[2:]
    lines = path.read_text().splitlines() if path.exists() else []
    changed = []
    for name in names:
        if name not in os.environ:
            continue
        wanted = _line(name, os.environ[name])
        existing = [i for i, line in enumerate(lines) if re.match(rf"\s*(export\s+)?{name}=", line)]
        if [lines[i] for i in existing] == [wanted]:
            continue
        for i in reversed(existing):
            del lines[i]
        lines.append(wanted)
        changed.append(name)
    if changed:
        old_umask = os.umask(0o077)
        try:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text("\n".join(lines) + "\n")
            tmp.replace(path)
        finally:
            os.umask(old_umask)
        print(f"Saved {', '.join(changed)} from the environment to {path}; later commands use them.")


if __name__ == "__main__":
    main()
