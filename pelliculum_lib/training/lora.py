"""LoRA fine-tuning with TRL's ``SFTTrainer``: the seed's recipe, made explicit.

Defaults are the seed's final configuration (LoRA r=64, alpha=128, dropout 0.05 on
q/k/v/o; batch 2 x grad-accum 4, warmup 10, lr 2e-4) with what it forgot: an explicit
``max_steps``, loss on the answer only (prompt/completion data), and an answer that ends
with ``<|im_end|>`` (pad token distinct from the end-of-turn token).

On CPU two TRL defaults are switched off: gradient checkpointing (recomputes the forward
pass for no memory gain at this size) and bf16 autocast (emulated, several times slower
without native bf16 units).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import datasets
import torch
from peft import LoraConfig
from transformers import TrainerCallback
from trl import SFTConfig, SFTTrainer

from pelliculum_lib.config import Settings, TrainConfig, get_settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.modeling.loading import END_OF_TURN, load_base_model, load_tokenizer
from pelliculum_lib.data.phases import build_phase, to_prompt_completion

log = logging.getLogger(__name__)


class LossHistory(TrainerCallback):
    """Keeps every logged train/eval loss so runs always leave a local curve."""

    def __init__(self) -> None:
        self.records: list[dict] = []

    def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: D401 - callback signature
        if logs:
            self.records.append({"step": state.global_step, **{k: float(v) for k, v in logs.items()
                                                                if isinstance(v, (int, float))}})


@dataclass
class TrainResult:
    output_dir: Path
    adapter_dir: Path
    summary: dict
    history: list[dict]


def lora_config(cfg: TrainConfig) -> LoraConfig:
    targets = "all-linear" if list(cfg.target_modules) == ["all-linear"] else list(cfg.target_modules)
    return LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=targets, bias="none", task_type="CAUSAL_LM")


def phase_data(cfg: TrainConfig, catalogue: Catalogue | None, settings: Settings,
               data_dir: Path | None = None) -> tuple[datasets.Dataset, datasets.Dataset]:
    """Training and evaluation-loss datasets of ``cfg.phase``.

    Phase 4 evaluates its loss on the validation tenth of the training films (never on held-out
    films); ``data_dir`` reads datasets saved by ``pelliculum phase4-data`` (``train/``, ``validation/``).
    """
    if data_dir is not None:
        return datasets.load_from_disk(str(Path(data_dir) / "train")), \
            datasets.load_from_disk(str(Path(data_dir) / "validation"))
    if cfg.phase == "5":  # the reader: generated messages and the dev labelled ones (never the kept-aside)
        from pelliculum_lib.data.messages import load_messages
        from pelliculum_lib.training.reader_data import reader_dataset

        splits = reader_dataset(catalogue, load_messages(split="dev"), examples=cfg.train_examples or 6000)
        return splits["train"], splits["validation"]
    if cfg.phase == "4":
        from pelliculum_lib.recommending.ranker import phase4_splits

        splits = phase4_splits(catalogue, settings, k=cfg.candidates)
        return splits["train"], splits["validation"]
    return (build_phase(catalogue, cfg.phase, split="train", settings=settings),
            build_phase(catalogue, cfg.phase, split="eval", settings=settings))


def sft_config(cfg: TrainConfig, output_dir: Path, settings: Settings, has_eval: bool) -> SFTConfig:
    on_gpu = torch.cuda.is_available()
    if cfg.report_to == "wandb":
        os.environ.setdefault("WANDB_MODE", "online" if os.environ.get("WANDB_API_KEY") else "offline")
        os.environ.setdefault("WANDB_PROJECT", settings.wandb_project)
        os.environ.setdefault("WANDB_DIR", str(output_dir))
    return SFTConfig(
        output_dir=str(output_dir),
        run_name=cfg.name(),
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=8,
        gradient_accumulation_steps=cfg.grad_accum,
        warmup_steps=cfg.warmup_steps,
        learning_rate=cfg.learning_rate,
        max_length=cfg.max_length,
        logging_steps=max(1, min(cfg.logging_steps, cfg.max_steps)),
        eval_strategy="steps" if has_eval else "no",
        eval_steps=max(1, min(cfg.eval_steps, cfg.max_steps)),
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=2,
        seed=settings.seed,
        data_seed=settings.seed,
        completion_only_loss=True,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        use_cpu=not on_gpu,
        gradient_checkpointing=on_gpu,
        report_to=[] if cfg.report_to == "none" else [cfg.report_to],
        dataloader_num_workers=0,
        disable_tqdm=False,
    )


def check_end_of_turn_labels(trainer: SFTTrainer, rows: int = 8) -> None:
    """Fail fast if the end-of-turn token is not learned (the SmolLM2 pad==eos pitfall).

    Every example that was not truncated must have ``<|im_end|>`` among its labels.
    """
    tokenizer = trainer.processing_class
    eot = tokenizer.convert_tokens_to_ids(END_OF_TURN)
    examples = [trainer.train_dataset[i] for i in range(min(rows, len(trainer.train_dataset)))]
    batch = trainer.data_collator(examples)
    for example, labels in zip(examples, batch["labels"]):
        if len(example["input_ids"]) >= trainer.args.max_length:
            continue
        kept = labels[labels != -100].tolist()
        if not kept or eot not in kept:
            raise RuntimeError("Training labels do not contain the end-of-turn token: the model would never stop.")


def build_trainer(cfg: TrainConfig, catalogue: Catalogue | None, settings: Settings,
                  output_dir: Path, data_dir: Path | None = None) -> tuple[SFTTrainer, LossHistory]:
    train, evaluation = phase_data(cfg, catalogue, settings, data_dir)
    train = train.shuffle(seed=settings.seed)
    if cfg.train_examples:
        train = train.select(range(min(cfg.train_examples, len(train))))
    evaluation = evaluation.shuffle(seed=settings.seed).select(range(min(cfg.eval_examples, len(evaluation))))
    tokenizer = load_tokenizer(settings)
    tokenizer.padding_side = "right"
    model = load_base_model(settings, load_in_4bit=cfg.load_in_4bit, tokenizer=tokenizer)
    peft_config = lora_config(cfg)
    if cfg.init_adapter:  # a second run starts where a first one ended (its LoRA shape, upcast to fp32)
        from peft import PeftModel

        model, peft_config = PeftModel.from_pretrained(model, cfg.init_adapter, is_trainable=True), None
    history = LossHistory()
    trainer = SFTTrainer(
        model=model,
        args=sft_config(cfg, output_dir, settings, has_eval=len(evaluation) > 0 and cfg.eval_examples > 0),
        train_dataset=to_prompt_completion(train),
        eval_dataset=to_prompt_completion(evaluation) if cfg.eval_examples > 0 else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[history],
    )
    check_end_of_turn_labels(trainer)
    return trainer, history


def save_adapter(model, adapter_dir: Path, dtype: torch.dtype = torch.float16) -> None:
    """Save the LoRA weights (fp16 by default: half the size, same answers once loaded in fp32)."""
    for name, param in model.named_parameters():
        if "lora_" in name:
            param.data = param.data.to(dtype)
    model.save_pretrained(adapter_dir)


def train(cfg: TrainConfig, catalogue: Catalogue | None = None, settings: Settings | None = None,
          output_dir: Path | None = None, adapter_dir: Path | None = None, resume: bool = False,
          data_dir: Path | None = None) -> TrainResult:
    """Run one LoRA training; save the adapter, the loss curve and a run summary.

    ``resume`` continues from the last checkpoint in ``output_dir`` if there is one;
    ``data_dir`` trains on saved datasets instead of building them (no catalogue needed).
    """
    from pelliculum_lib.plots import plot_loss_curve

    settings = settings or get_settings()
    if catalogue is None and data_dir is None:
        catalogue = Catalogue.load(settings=settings)
    output_dir = Path(output_dir or settings.output_dir / cfg.name())
    adapter_dir = Path(adapter_dir or output_dir / "adapter")
    torch.manual_seed(settings.seed)
    trainer, history = build_trainer(cfg, catalogue, settings, output_dir, data_dir)
    has_checkpoint = resume and any(output_dir.glob("checkpoint-*"))
    started = time.perf_counter()
    outcome = trainer.train(resume_from_checkpoint=True if has_checkpoint else None)
    seconds = time.perf_counter() - started
    save_adapter(trainer.model, adapter_dir)
    trainer.processing_class.save_pretrained(adapter_dir)

    train_losses = [r["loss"] for r in history.records if "loss" in r]
    eval_losses = [r["eval_loss"] for r in history.records if "eval_loss" in r]
    summary = {
        "run": cfg.name(),
        "config": {**asdict(cfg), "seed": settings.seed, "dataset": settings.dataset,
                   "base_model": settings.base_model, "system_prompt": settings.system_prompt},
        "train_examples": len(trainer.train_dataset),
        "eval_examples": len(trainer.eval_dataset) if trainer.eval_dataset is not None else 0,
        "steps": int(trainer.state.global_step),
        "epochs": float(trainer.state.epoch or 0.0),
        "seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / max(1, trainer.state.global_step), 3),
        "first_loss": train_losses[0] if train_losses else None,
        "final_loss": train_losses[-1] if train_losses else None,
        "final_eval_loss": eval_losses[-1] if eval_losses else None,
        "train_loss_mean": float(outcome.training_loss),
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
        "resumed": has_checkpoint,
    }
    (output_dir / "history.json").write_text(json.dumps(history.records, indent=1))
    (output_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    plot_loss_curve(history.records, output_dir / "loss_curve.png", title=cfg.name())
    log.info("Trained %s: %s steps in %.0f s, final loss %s", cfg.name(), summary["steps"], seconds,
             summary["final_loss"])
    return TrainResult(output_dir=output_dir, adapter_dir=adapter_dir, summary=summary, history=history.records)


def adapter_from_checkpoint(checkpoint: Path, adapter_dir: Path, note: str = "", device: str | None = None,
                            train_examples: int | None = None) -> dict:
    """A run stopped before its last step (a session's end) keeps its last checkpoint: its LoRA weights as the
    adapter (fp16), with the checkpoint's loss history, a loss curve and a summary that says where it stopped
    (``seconds_per_step`` from the times its last kept checkpoints were written)."""
    from safetensors.torch import load_file, save_file

    from pelliculum_lib.plots import plot_loss_curve

    checkpoint, adapter_dir = Path(checkpoint), Path(adapter_dir)
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    adapter_dir.mkdir(parents=True, exist_ok=True)
    weights = load_file(str(checkpoint / "adapter_model.safetensors"))
    save_file({k: v.to(torch.float16) for k, v in weights.items()}, str(adapter_dir / "adapter_model.safetensors"))
    shutil.copy(checkpoint / "adapter_config.json", adapter_dir / "adapter_config.json")
    history = [{k: v for k, v in r.items() if isinstance(v, (int, float))} for r in state["log_history"]]
    train_losses = [r["loss"] for r in history if "loss" in r]
    eval_losses = [r["eval_loss"] for r in history if "eval_loss" in r]
    summary = {"run": checkpoint.parent.name, "checkpoint": checkpoint.name, "steps": int(state["global_step"]),
               "planned_steps": int(state["max_steps"]), "epochs": float(state["epoch"]),
               "batch_size": int(state["train_batch_size"]), "first_loss": train_losses[0] if train_losses else None,
               "final_loss": train_losses[-1] if train_losses else None,
               "final_eval_loss": eval_losses[-1] if eval_losses else None, "note": note}
    saved = sorted((int(p.name.split("-")[1]), p.stat().st_mtime) for p in checkpoint.parent.glob("checkpoint-*")
                   if (p / "trainer_state.json").is_file())
    if len(saved) >= 2 and saved[-1][0] > saved[0][0]:
        summary["seconds_per_step"] = round((saved[-1][1] - saved[0][1]) / (saved[-1][0] - saved[0][0]), 3)
    summary.update({k: v for k, v in (("device", device), ("train_examples", train_examples)) if v is not None})
    (adapter_dir / "history.json").write_text(json.dumps(history, indent=1))
    (adapter_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    plot_loss_curve(history, adapter_dir / "loss_curve.png", title=f"{summary['run']} ({summary['steps']} steps)")
    return summary
