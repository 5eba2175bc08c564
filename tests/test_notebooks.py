"""Every notebook runs under papermill with tiny parameters, and what it records is checked
(the microsoft/recommenders pattern: parameters cell rewritten, values read back with scrapbook)."""

from __future__ import annotations

from pathlib import Path

import papermill as pm
import pytest
import scrapbook as sb

from pelliculum_lib.config import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"


def execute(name: str, tmp_path: Path, **parameters) -> dict:
    output = tmp_path / name
    pm.execute_notebook(str(NOTEBOOKS / name), str(output), parameters=parameters, cwd=str(NOTEBOOKS),
                        kernel_name="python3", progress_bar=False)
    return sb.read_notebook(str(output)).scraps.data_dict


def test_every_notebook_is_tested():
    tested = {"01_dataset_analysis.ipynb", "04_phase3_final_training.ipynb"}
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} <= tested


@pytest.mark.slow
def test_01_dataset_analysis(tmp_path, sample_data):
    scraps = execute("01_dataset_analysis.ipynb", tmp_path, dataset=str(sample_data),
                     reports_dir=str(tmp_path / "reports"), token_sample=40)
    assert scraps["rows"] == 2300
    assert scraps["rows_with_recommendations"] == 2000
    assert scraps["phase3_examples"] == 2000 and scraps["max_titles_per_example"] == 8
    assert 0.9 < scraps["resolvable_recommendation_share"] < 0.95  # data README: 92.8 %
    assert scraps["phase2b_none_share"] == pytest.approx(300 / 2300, abs=1e-3)
    assert 20 < scraps["phase3_answer_tokens_mean"] < 80
    assert (tmp_path / "reports" / "dataset_stats.md").is_file()
    assert len(list((tmp_path / "reports" / "figures").glob("01_*.png"))) == 5


@pytest.mark.slow
def test_04_phase3_training(tmp_path, sample_data):
    scraps = execute("04_phase3_final_training.ipynb", tmp_path, dataset=str(sample_data), max_steps=3,
                     train_examples=24, eval_examples=8, eval_steps=3, save_steps=3, report_to="none",
                     output_dir=str(tmp_path / "run"), adapter_dir=str(tmp_path / "adapter"),
                     reports_dir=str(tmp_path / "reports"), sample_titles=["The Dark Knight", "Toy Story"])
    assert scraps["steps"] == 3
    assert scraps["final_loss"] > 0 and scraps["final_eval_loss"] > 0
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    assert (tmp_path / "reports" / "figures" / "phase3_loss_curve.png").is_file()
    assert 0.0 <= scraps["sample_stop_rate"] <= 1.0 and isinstance(scraps["dark_knight_answer"], str)
