"""The `pelliculum` command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "pelliculum_lib.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_data_stats_on_the_full_offline_dataset(full_data):
    result = run_cli("data", "stats", "--dataset", str(full_data), "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    # Independent count straight from the parquet: films with >= 1 recommended id in the table.
    raw = pd.read_parquet(full_data)
    ids = set(raw["id"])
    lists = raw.set_index("id")["recommendations"].dropna().str.split("-")
    resolvable = sum(any(t.isdigit() and int(t) in ids and int(t) != src for t in toks) for src, toks in lists.items())
    assert stats["rows"] == 63115 == len(raw)
    assert stats["rows_with_recommendations"] == 4331
    assert stats["phase3_examples"] == resolvable
    assert stats["max_titles_per_example"] <= 8
    assert stats["phase3_none_answers"] == 0
    assert 0.0 < stats["resolvable_recommendation_share"] <= 1.0


def test_missing_dataset_is_a_clear_error(tmp_path):
    result = run_cli("data", "stats", "--dataset", str(tmp_path / "missing.parquet"))
    assert result.returncode == 2
    assert "PELLICULUM_DATASET" in result.stderr and "Traceback" not in result.stderr


def test_hub_unreachable_names_the_setting():
    result = run_cli("data", "stats", env_extra={"PELLICULUM_DATASET": "wykonos/movies"})
    assert result.returncode == 2
    assert "PELLICULUM_DATASET" in result.stderr and "Traceback" not in result.stderr


def test_schema_error_names_the_missing_column(tmp_path):
    pd.DataFrame({"id": [1], "title": ["A"]}).to_parquet(tmp_path / "bad.parquet")
    result = run_cli("data", "stats", "--dataset", str(tmp_path / "bad.parquet"))
    assert result.returncode == 2 and "recommendations" in result.stderr


def test_phase3_options_need_the_phase3_recommender(sample_data):
    """--free, --sample, --base and --with-base are refused with the two-stage recommender, before any loading."""
    for args in (["recommend", "Heat", "--free"], ["recommend", "Heat", "--sample", "--base"],
                 ["evaluate", "--with-base"]):
        result = run_cli(*args, "--recommender", "two-stage", "--dataset", str(sample_data))
        assert result.returncode == 2, args
        assert "only with --recommender phase3" in result.stderr and "Traceback" not in result.stderr
