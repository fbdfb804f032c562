"""README documents what users rely on: every setting, every CLI command."""

from __future__ import annotations

from pathlib import Path

from rectification.cli import build_parser
from rectification.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [setting.env for setting in SETTINGS.values() if f"`{setting.env}`" not in README]
    assert missing == []


def test_every_cli_command_is_documented():
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")  # argparse has no public listing
    missing = [name for name in subparsers.choices if f"`{name}" not in README]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    assert README.index("make run") < README.index("make test") < README.index("## ")
