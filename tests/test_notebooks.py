"""Every notebook runs under papermill with tiny parameters, and what it records is checked
(the microsoft/recommenders pattern: parameters cell rewritten, values read back with scrapbook)."""

from __future__ import annotations

import json
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
    tested = {"01_dataset_analysis.ipynb", "02_phase1_full_metadata.ipynb", "03_phase2_ids_and_none.ipynb",
              "04_phase3_final_training.ipynb", "05_evaluation.ipynb",
              "06_merge_and_push.ipynb", "07_two_stage_recommender.ipynb", "08_conversation.ipynb",
              "09_meaning.ipynb", "10_preferences.ipynb", "11_phase5_reader.ipynb"}
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
def test_02_phase1_full_metadata(tmp_path, sample_data):
    scraps = execute("02_phase1_full_metadata.ipynb", tmp_path, dataset=str(sample_data), max_steps=2,
                     train_examples=8, eval_examples=4, films=3, max_new_tokens=24, report_to="none",
                     output_dir=str(tmp_path / "run"), reports_dir=str(tmp_path / "reports"))
    assert scraps["steps"] == 2 and scraps["final_loss"] > 0
    for rate in ("no_real_title_rate", "valid_title_rate", "stop_rate", "recall@8", "hr@8"):
        assert 0.0 <= scraps[rate] <= 1.0
    assert (tmp_path / "reports" / "phase1_results.json").is_file()


@pytest.mark.slow
def test_03_phase2_ids_and_none(tmp_path, sample_data):
    scraps = execute("03_phase2_ids_and_none.ipynb", tmp_path, dataset=str(sample_data), max_steps_2a=2,
                     max_steps_2b=2, train_examples=8, eval_examples=4, films=3, report_to="none",
                     output_dir_2a=str(tmp_path / "run2a"), output_dir_2b=str(tmp_path / "run2b"),
                     reports_dir=str(tmp_path / "reports"))
    # The sample has 300 of 2,300 films without recommendations: their answer is "None".
    assert scraps["phase2b_train_none_share"] == pytest.approx(300 / 2300, abs=0.02)
    for rate in ("ids_existing_share", "ids_correct_share", "none_rate", "phase2b_recall@8"):
        assert 0.0 <= scraps[rate] <= 1.0
    assert scraps["phase2b_final_loss"] > 0
    assert {p.name for p in (tmp_path / "reports").glob("phase2*_results.json")} == {
        "phase2a_results.json", "phase2b_results.json"}


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


@pytest.mark.slow
def test_05_evaluation(tmp_path, sample_data):
    scraps = execute("05_evaluation.ipynb", tmp_path, dataset=str(sample_data), films=4, train_films=4,
                     with_base=False, reports_dir=str(tmp_path / "reports"))
    assert scraps["valid_title_rate"] == 1.0  # constrained decoding: every title is a catalogue film
    assert scraps["duplicate_rate"] == 0.0
    assert 0.0 <= scraps["recall@8"] <= 1.0 and 0.0 <= scraps["free_valid_title_rate"] <= 1.0
    assert {"popularity", "genre", "content", "cooccurrence", "fine-tuned (free)"} <= set(scraps["methods"])
    report = (tmp_path / "reports" / "evaluation.md").read_text()
    assert "## Held-out films" in report and "recall@8" in report


@pytest.mark.slow
def test_06_merge_and_push_dry_run(tmp_path):
    scraps = execute("06_merge_and_push.ipynb", tmp_path, output_dir=str(tmp_path / "export"),
                     reports_dir=str(tmp_path / "reports"), titles=["The Dark Knight", "Toy Story"])
    assert scraps["dry_run"] is True  # no token, no network: nothing leaves the machine
    assert scraps["agreement"] == 1.0  # the merged model answers exactly like base + adapter
    assert {"model.safetensors", "config.json", "README.md", "tokenizer.json"} <= set(scraps["merged_files"])
    assert {"adapter_model.safetensors", "adapter_config.json", "README.md"} <= set(scraps["adapter_files"])
    report = json.loads((tmp_path / "reports" / "export.json").read_text())
    assert report["parity"]["merged"]["agreement"] == 1.0 and set(report["uploads"]) == {"adapter", "merged", "gguf"}
    assert scraps["gguf_agreement"] >= 0.5  # llama.cpp F16: greedy text may differ at a rare near-tie
    assert scraps["gguf_files"] == ["README.md", "pelliculum-smollm2-135m.F16.gguf"]


@pytest.mark.slow
def test_07_two_stage_recommender(tmp_path, sample_data):
    scraps = execute("07_two_stage_recommender.ipynb", tmp_path, dataset=str(sample_data), films=6, train_films=4,
                     generate_films=2, validation_films=8, sibling_films=5, reports_dir=str(tmp_path / "reports"),
                     output_dir=str(tmp_path / "outputs"))
    assert scraps["held_out_films"] == 6
    for key in ("two_stage_ndcg", "retriever_ndcg", "cooccurrence_ndcg", "candidate_recall_at_k"):
        assert 0.0 <= scraps[key] <= 1.0
    assert scraps["chosen_weight"] in {0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, float("inf")}
    assert 0 <= scraps["sibling_walks"] <= 5
    assert {"two-stage (retriever + LLM ranker)", "retriever alone", "LLM ranker alone (weight 0)", "cooccurrence",
            "content", "phase 3 (seed-faithful, title trie)"} <= set(scraps["methods"])
    report = (tmp_path / "reports" / "two_stage.md").read_text()
    assert "## Held-out films (all)" in report and "Δndcg@8 vs baseline" in report
    assert (tmp_path / "reports" / "figures" / "07_candidate_recall.png").is_file()


@pytest.mark.slow
def test_08_conversation(tmp_path, full_data):
    scraps = execute("08_conversation.ipynb", tmp_path, dataset=str(full_data), more_openers=3,
                     reports_dir=str(tmp_path / "reports"))
    assert scraps["dev_every_slot"] >= 0.95 and scraps["test_every_slot"] >= 0.85
    assert scraps["constraint_answers"] >= 100
    assert scraps["all_satisfied"] == 1.0 and scraps["ok_share"] == 1.0
    assert scraps["more_repeats"] == 0 and scraps["french_in_french"] >= 0.95
    assert (tmp_path / "reports" / "conversation.md").is_file()
    assert (tmp_path / "reports" / "figures" / "08_parser_accuracy.png").is_file()


@pytest.mark.slow
def test_09_meaning(tmp_path, sample_data):
    scraps = execute("09_meaning.ipynb", tmp_path, dataset=str(sample_data), max_films=150, cold_films=6,
                     map_films=60, words_weights=[0.0, 0.1], quality_weights=[0.3], feedback_films=[0],
                     cold_weights=[0.0, 1.0], reports_dir=str(tmp_path / "reports"), cache_dir=str(tmp_path / "cache"))
    assert scraps["films"] == 150 and scraps["requests"] >= 100
    assert scraps["chosen"]["words_weight"] in {0.0, 0.1} and scraps["chosen"]["quality_weight"] == 0.3
    precision = scraps["kept_precision"]
    assert {"words", "meaning (e5)", "fusion (e5 + words)", "meaning (English MiniLM)"} <= set(precision)
    assert all(0.0 <= value <= 1.0 for value in precision.values())
    assert set(scraps["done"]) == {"en", "fr"}
    assert scraps["cold_weight"] in {0.0, 1.0}
    assert all(0.0 <= value <= 1.0 for value in scraps["cold_ndcg"].values())
    report = (tmp_path / "reports" / "meaning.md").read_text()
    assert "## Kept-aside themes (never tuned on)" in report and "## Cold start" in report
    assert (tmp_path / "reports" / "figures" / "09_theme_precision.png").is_file()
    assert (tmp_path / "reports" / "figures" / "09_meaning_map.png").is_file()


@pytest.mark.slow
def test_10_preferences(tmp_path, sample_data):
    scraps = execute("10_preferences.ipynb", tmp_path, dataset=str(sample_data), meaning="off", pairs=8, popular=10,
                     series_films=10, openings=4, dev_users=6, report_users=6, reports_dir=str(tmp_path / "reports"),
                     cache_dir=str(tmp_path / "cache"))
    assert scraps["chosen"] in {"interleave", "rrf", "scores"}  # the meaning methods need vectors
    assert {"a alone", "b alone", "rrf", "scores"} <= set(scraps["pairs_test"])
    assert all(0.0 <= v <= 1.0 for v in scraps["pairs_test"].values())
    assert scraps["series"]["films"] == 10 and scraps["series"]["crowded after"] <= scraps["series"]["crowded before"]
    assert set(scraps["critique_moved"]) == {"lighter", "darker", "funnier", "less_scary", "more_serious",
                                             "better_rated", "less_known", "more_known", "shorter", "longer",
                                             "older", "newer"}
    assert set(scraps["ablation"]) == {"all", "no critiques", "one liked film", "no rejected memory"}
    assert all(0.0 <= v <= 1.0 for v in scraps["ablation"].values())
    for name in ("preferences.md", "simulated_users.md"):
        assert (tmp_path / "reports" / name).is_file() and (tmp_path / "reports" / name).with_suffix(".json").is_file()
    assert "## Report seed (never tuned on)" in (tmp_path / "reports" / "simulated_users.md").read_text()
    assert (tmp_path / "reports" / "figures" / "10_simulated_users.png").is_file()


@pytest.mark.slow
def test_11_phase5_reader(tmp_path, sample_data):
    scraps = execute("11_phase5_reader.ipynb", tmp_path, dataset=str(sample_data), messages_limit=4,
                     reports_dir=str(tmp_path / "reports"))
    assert scraps["sets"] == {"dev": 4, "kept aside": 4, "frozen-1 (spent)": 4, "frozen-2 (spent)": 4,
                              "frozen-3 (spent)": 4, "frozen-4 (spent)": 4, "frozen-5 (new)": 4}
    assert set(scraps["frozen"]) == {"rules", "model", "hybrid"}
    assert all(0.0 <= v <= 1.0 for v in scraps["frozen"].values())
    assert scraps["latency"]["reads"] == 28 and scraps["latency"]["p50 s"] > 0
    report = (tmp_path / "reports" / "reader.md").read_text()
    assert "## Whole messages" in report and "## Per slot" in report
