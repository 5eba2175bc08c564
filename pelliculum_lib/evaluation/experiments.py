"""One phase experiment of the seed, end to end: train, reload the adapter, answer held-out
films, measure. Notebooks 02-04 are narratives over this."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.evaluation.metrics import evaluate_phase
from pelliculum_lib.modeling.loading import load_model
from pelliculum_lib.training.lora import TrainConfig, TrainResult, train


@dataclass
class PhaseExperiment:
    training: TrainResult
    metrics: dict
    examples: pd.DataFrame

    def summary(self) -> dict:
        keep = ("steps", "seconds", "first_loss", "final_loss", "final_eval_loss", "train_loss_mean")
        return {**{k: self.training.summary[k] for k in keep}, **self.metrics}


def run_phase(cfg: TrainConfig, catalogue: Catalogue, settings: Settings | None = None,
              output_dir: str | Path | None = None, films: int = 40, max_new_tokens: int = 128,
              reports_dir: str | Path | None = None) -> PhaseExperiment:
    """Train ``cfg.phase``, then measure the fine-tuned model on ``films`` held-out films.

    Writes ``phase<phase>_results.json`` and the loss curve under ``reports_dir``.
    """
    settings = settings or get_settings()
    result = train(cfg, catalogue=catalogue, settings=settings, output_dir=output_dir)
    model, tokenizer = load_model(adapter=result.adapter_dir, settings=settings)
    metrics, examples = evaluate_phase(model, tokenizer, catalogue, cfg.phase, settings=settings, films=films,
                                       max_new_tokens=max_new_tokens)
    experiment = PhaseExperiment(result, metrics, examples)
    reports = Path(reports_dir or settings.reports_dir)
    (reports / "figures").mkdir(parents=True, exist_ok=True)
    (reports / f"phase{cfg.phase}_results.json").write_text(json.dumps(
        {"summary": experiment.summary(), "config": result.summary["config"],
         "examples": examples.head(10).to_dict("records")}, indent=1, default=str))
    (reports / "figures" / f"phase{cfg.phase}_loss_curve.png").write_bytes(
        (result.output_dir / "loss_curve.png").read_bytes())
    return experiment
