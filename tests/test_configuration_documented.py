"""Every environment variable settings.py reads is in the README's configuration table."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented():
    source = (ROOT / "src" / "upstream" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert read, "no settings found; did the helpers' names change?"
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = "\n".join(lines[:6])
    assert "make run" in block and "make test" in block
    assert "make test" in (ROOT / ".ci" / "run").read_text()
