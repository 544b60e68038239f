"""Print the shell commands of the README's `## Set-up` section, one per line.

A command is a line in a fenced ```sh or ```bash block under that heading. CI runs exactly
these lines, so the README cannot drift from what CI checks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def setup_commands(readme: str) -> list[str]:
    section = re.search(r"^## Set-up\s*$(.*?)(?=^## |\Z)", readme, flags=re.M | re.S)
    if section is None:
        raise SystemExit("README has no '## Set-up' section")
    blocks = re.findall(r"^```(?:sh|bash|console)?\s*$(.*?)^```\s*$", section.group(1), flags=re.M | re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(line.removeprefix("$ "))
    return commands


if __name__ == "__main__":
    for command in setup_commands(Path(sys.argv[1]).read_text(encoding="utf-8")):
        print(command)
