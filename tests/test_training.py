"""A real few-step LoRA training through the library's code path (TRL SFTTrainer + PEFT)."""

from __future__ import annotations

import json

import pytest

from pelliculum_lib.modeling.generation import suggest
from pelliculum_lib.modeling.loading import END_OF_TURN, load_model
from pelliculum_lib.training.lora import TrainConfig, build_trainer, train

pytestmark = pytest.mark.slow


def tiny_config(**overrides) -> TrainConfig:
    base = dict(phase="3", max_steps=8, train_examples=4, eval_examples=0, batch_size=2, grad_accum=1,
                learning_rate=1e-3, warmup_steps=0, logging_steps=1, save_steps=4, report_to="none")
    return TrainConfig(**{**base, **overrides})


def test_answers_end_with_the_end_of_turn_token(sample_catalogue, settings, tmp_path):
    trainer, _ = build_trainer(tiny_config(), sample_catalogue, settings, tmp_path)
    tokenizer = trainer.processing_class
    eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    assert tokenizer.pad_token_id != eot  # the SmolLM2 pitfall: pad == eos masks the end of turn
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    for labels, mask in zip(batch["labels"], batch["attention_mask"]):
        learned = labels[labels != -100].tolist()
        # Every answer ends with <|im_end|> (the chat template then adds only a newline).
        assert eot in learned[-2:] and tokenizer.decode(learned[learned.index(eot) + 1:]).strip() == ""
        assert len(learned) < int(mask.sum())  # the prompt is not learned


@pytest.fixture(scope="module")
def trained(sample_catalogue, settings, tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    return train(tiny_config(), catalogue=sample_catalogue, settings=settings, output_dir=out / "run",
                 adapter_dir=out / "adapter")


def test_loss_decreases_and_everything_is_saved(trained):
    losses = [r["loss"] for r in trained.history if "loss" in r]
    assert len(losses) == 8
    assert sum(losses[-2:]) / 2 < sum(losses[:2]) / 2 * 0.8
    assert (trained.adapter_dir / "adapter_model.safetensors").is_file()
    summary = json.loads((trained.output_dir / "summary.json").read_text())
    assert summary["steps"] == 8 and summary["config"]["lora_r"] == 64
    assert (trained.output_dir / "loss_curve.png").stat().st_size > 1000


def test_adapter_reloads_and_changes_the_output(trained, settings, sample_catalogue):
    title = sample_catalogue.movies["label"].iloc[0]
    tuned, tokenizer = load_model(adapter=trained.adapter_dir, settings=settings)
    base, _ = load_model(adapter="", settings=settings)
    tuned_answer = suggest(tuned, tokenizer, [title], settings=settings, max_new_tokens=24)[0]
    base_answer = suggest(base, tokenizer, [title], settings=settings, max_new_tokens=24)[0]
    assert tuned_answer.text != base_answer.text


def test_interrupted_training_resumes_from_its_checkpoint(sample_catalogue, settings, tmp_path):
    first = train(tiny_config(max_steps=4, save_steps=2), catalogue=sample_catalogue, settings=settings,
                  output_dir=tmp_path / "run")
    assert (tmp_path / "run" / "checkpoint-4").is_dir() and first.summary["steps"] == 4
    resumed = train(tiny_config(max_steps=6, save_steps=2), catalogue=sample_catalogue, settings=settings,
                    output_dir=tmp_path / "run", resume=True)
    assert resumed.summary["resumed"] and resumed.summary["steps"] == 6
    steps = [r["step"] for r in resumed.history if "loss" in r]
    assert steps == [5, 6]  # only the steps after the checkpoint were trained again


def test_a_checkpoint_becomes_an_adapter_that_loads(trained, settings, tmp_path):
    """A run stopped by a session's end keeps its last checkpoint as the adapter, its summary saying where."""
    from pelliculum_lib.training.lora import adapter_from_checkpoint

    summary = adapter_from_checkpoint(trained.output_dir / "checkpoint-4", tmp_path / "adapter", note="stopped")
    assert summary["steps"] == 4 and summary["planned_steps"] == 8 and summary["note"] == "stopped"
    assert len([r for r in json.loads((tmp_path / "adapter" / "history.json").read_text()) if "loss" in r]) == 4
    import torch
    from safetensors.torch import load_file

    kept, final = (load_file(str(d / "adapter_model.safetensors")) for d in (tmp_path / "adapter", trained.adapter_dir))
    assert set(kept) == set(final) and all(v.dtype == torch.float16 for v in kept.values())
    assert any(not torch.equal(kept[k], final[k]) for k in kept)  # step 4's weights, not step 8's
    tuned, _ = load_model(adapter=tmp_path / "adapter", settings=settings)  # and it loads as an adapter
    assert tuned is not None


def test_a_continued_run_starts_from_the_adapter_it_is_given(trained, sample_catalogue, settings, tmp_path):
    cfg = tiny_config(max_steps=1, init_adapter=str(trained.adapter_dir))
    trainer, _ = build_trainer(cfg, sample_catalogue, settings, tmp_path)
    import torch
    from safetensors.torch import load_file

    saved = load_file(str(trained.adapter_dir / "adapter_model.safetensors"))
    name = next(k for k in saved if "lora_B" in k)
    param = dict(trainer.model.named_parameters())
    loaded = next(v for k, v in param.items() if k.replace(".default", "").endswith(name.split("base_model.model.")[-1]))
    assert torch.allclose(loaded.detach().float(), saved[name].float(), atol=1e-3)  # not a fresh (zero) LoRA B
    assert loaded.requires_grad


def test_the_same_entry_point_runs_under_accelerate_launch(tmp_path, sample_data):
    """The distributed path, as far as a CPU can test it: `accelerate launch` of the CLI trains and saves."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    launcher = Path(sys.executable).parent / "accelerate"
    command = [str(launcher), "launch", "--cpu", "--num_processes", "1", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "pelliculum_lib.cli", "train",
               "--phase", "3", "--max-steps", "2", "--train-examples", "4", "--eval-examples", "0",
               "--report-to", "none", "--dataset", str(sample_data), "--output-dir", str(tmp_path / "run")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"})
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["steps"] == 2
    assert (tmp_path / "run" / "adapter" / "adapter_model.safetensors").is_file()
