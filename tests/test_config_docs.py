"""The README's configuration table is the one `Settings` generates: no variable or default can drift."""

from __future__ import annotations

import re

from pelliculum_lib.config import PROJECT_ROOT, Settings, settings_table


def test_the_readme_configuration_table_is_generated_from_settings():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- settings-table[^>]*-->\n(.*?)\n<!-- /settings-table -->", readme, re.S)
    assert found, "README.md lost its settings-table markers"
    assert found.group(1) == settings_table(), "regenerate it: python -m pelliculum_lib.config"


def test_every_setting_is_documented():
    undocumented = [name for name, info in Settings.model_fields.items() if not info.description]
    assert undocumented == []
