"""README documents what users rely on: every setting, every CLI command."""

from __future__ import annotations

from pathlib import Path

from rectification.cli import build_parser
from rectification.core.config import SETTINGS

README_PATH = Path(__file__).resolve().parents[1] / "README.md"
README = README_PATH.read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [setting.env for setting in SETTINGS.values() if f"`{setting.env}`" not in README]
    assert missing == []


def test_every_cli_command_is_documented():
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")  # argparse has no public listing
    missing = [name for name in subparsers.choices if f"`{name}" not in README]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    assert README.index("make run") < README.index("make test") < README.index("## ")


def test_readme_states_the_upload_limits_the_app_enforces():
    import math
    import re
    import tomllib

    served = tomllib.loads((README_PATH.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    outer = served["server"]["maxUploadSize"]
    importer_mb = float(SETTINGS["max_upload_mb"].default)
    # The importer's limit is the one users meet; the picker allows twice it; the server's bound is above both.
    assert outer >= 2 * math.ceil(importer_mb * 1024 * 1024 / 1_000_000)
    assert f"`server.maxUploadSize = {outer}`" in README
    assert f"`maxUploadSize`（{outer} MB）" in README or f"`server.maxUploadSize`（{outer} MB）" in README
    assert f"`RECTIFICATION_MAX_UPLOAD_MB` | `{SETTINGS['max_upload_mb'].default}`" in README
    stated = {int(n) for n in re.findall(r"maxUploadSize`?\s*(?:=|（)\s*(\d+)", README)}
    assert stated == {outer}
    nginx = int(re.search(r"client_max_body_size (\d+)m;", README).group(1))
    assert nginx >= outer
