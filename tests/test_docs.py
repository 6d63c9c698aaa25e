"""Documentation kept honest: every setting and every CLI command is documented."""

from __future__ import annotations

import re
from dataclasses import fields

from sohoa.cli import build_parser
from sohoa.settings import SECTIONS
from tests.conftest import REPO


def test_every_setting_is_documented() -> None:
    text = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    documented: dict[str, set[str]] = {}
    section = ""
    for line in text.splitlines():
        m = re.match(r"^## \[(\w+)\]", line)
        if m:
            section = m.group(1)
            documented[section] = set()
            continue
        m = re.match(r"^\| `(\w+)` \|", line)
        if m and section:
            documented[section].add(m.group(1))
    for name, cls in SECTIONS.items():
        keys = {f.name for f in fields(cls)}
        assert documented.get(name) == keys, f"[{name}] documented {documented.get(name)} != {keys}"


def test_every_command_is_in_the_cli_docs() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in sub.choices:
        assert f"`sohoa {name}" in text, f"sohoa {name} is not in docs/cli.md"
