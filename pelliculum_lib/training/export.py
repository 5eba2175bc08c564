"""Merging the adapter into the base model, the model card, and the Hub push (or its dry run).

Offline, ``push(..., dry_run=True)`` builds exactly the folder that would be uploaded and lists
it; :func:`parity` checks that the merged model answers like base + adapter.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pelliculum_lib.config import HUB_BASE_MODEL, HUB_DATASET, PROJECT_ROOT, Settings, get_settings
from pelliculum_lib.modeling.loading import load_model
from pelliculum_lib.reports import write_json

CARD = """---
base_model: {base}
datasets: [{dataset}]
library_name: {library}
license: apache-2.0
tags: [movie-recommendation, lora, smollm2, pelliculum]
---

# Pelliculum — SmolLM2-135M-Instruct fine-tuned for movie recommendations

Ask *"Suggest movies similar to {{title}}\\nmovie recommendations:"* (system prompt: *"{system}"*)
and it answers up to 8 film titles separated by commas. For answers that only contain real
films, decode under the catalogue-title prefix tree of `pelliculum_lib.modeling.constrained`.

## Training

{training}

## Evaluation (held-out source films)

{evaluation}

Reproduce: `pelliculum train --phase 3 --max-steps 1000`, then `pelliculum evaluate`.
"""


def model_card(settings: Settings, library: str = "transformers") -> str:
    reports = settings.reports_dir
    training = "No training summary found."
    if (path := reports / "phase3_training.json").is_file():
        summary = json.loads(path.read_text())
        cfg = summary.get("config", {})
        training = (f"LoRA r={cfg.get('lora_r')}, alpha={cfg.get('lora_alpha')}, dropout={cfg.get('lora_dropout')} on "
                    f"{', '.join(cfg.get('target_modules', []))}; batch {cfg.get('batch_size')} x grad-accum "
                    f"{cfg.get('grad_accum')}, lr {cfg.get('learning_rate')}, {summary.get('steps')} steps on "
                    f"{summary.get('train_examples')} films ({summary.get('device')}, {summary.get('seconds')} s); "
                    f"final loss {summary.get('final_loss'):.3f}, held-out loss {summary.get('final_eval_loss'):.3f}.")
    evaluation = "No evaluation report found."
    if (path := reports / "evaluation.json").is_file():
        data = json.loads(path.read_text())
        table = data.get("Held-out films", {})
        lines = ["| method | recall@8 | ndcg@8 | hr@8 | valid titles |", "| --- | --- | --- | --- | --- |"]
        for method, row in table.items():
            lines.append(f"| {method} | {row['recall@8']:.3f} | {row['ndcg@8']:.3f} | {row['hr@8']:.3f} | "
                         f"{row['valid_title_rate']:.1%} |")
        evaluation = "\n".join(lines)
    return CARD.format(base=HUB_BASE_MODEL, dataset=HUB_DATASET, library=library, system=settings.system_prompt,
                       training=training, evaluation=evaluation)


def merge(output_dir: str | Path, settings: Settings | None = None, adapter: str | Path | None = None) -> Path:
    """Base + adapter folded into one model, saved as safetensors with its tokenizer and card."""
    settings = settings or get_settings()
    output_dir = Path(output_dir)
    model, tokenizer = load_model(adapter=adapter, settings=settings, merge=True)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    (output_dir / "README.md").write_text(model_card(settings))
    return output_dir


def adapter_folder(output_dir: str | Path, settings: Settings | None = None, adapter: str | Path | None = None) -> Path:
    """The adapter as uploaded: its files plus a model card (library: peft)."""
    import shutil

    settings = settings or get_settings()
    source = Path(adapter or settings.adapter_dir)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "chat_template.jinja", "loss_curve.png", "training_summary.json"):
        if (source / name).is_file():
            shutil.copy(source / name, output_dir / name)
    (output_dir / "README.md").write_text(model_card(settings, library="peft"))
    return output_dir


def gguf_folder(output_dir: str | Path, settings: Settings | None = None, qtype: str = "F16",
                adapter: str | Path | None = None) -> Path:
    """The merged model as a GGUF for llama.cpp, with a model card: the ``<repo>-GGUF`` upload."""
    from pelliculum_lib.modeling.llamacpp import export_gguf

    settings = settings or get_settings()
    output_dir = Path(output_dir)
    gguf = export_gguf(output_dir / f"pelliculum-smollm2-135m.{qtype}.gguf", settings, adapter, qtype)
    (output_dir / "README.md").write_text(model_card(settings, library="gguf"))
    return gguf


def parity(reference, merged, tokenizer, titles: list[str], settings: Settings | None = None) -> dict:
    """Greedy answers of two models on the same prompts: the share that are identical."""
    from pelliculum_lib.modeling.generation import suggest

    settings = settings or get_settings()
    a = suggest(reference, tokenizer, titles, settings=settings)
    b = suggest(merged, tokenizer, titles, settings=settings)
    same = [x.text == y.text for x, y in zip(a, b)]
    return {"prompts": len(titles), "identical": sum(same), "agreement": sum(same) / len(titles),
            "differences": [{"title": t, "reference": x.text, "merged": y.text}
                            for t, x, y, s in zip(titles, a, b, same) if not s]}


def push(folder: str | Path, repo_id: str | None, dry_run: bool = True, token: str | None = None) -> dict:
    """Upload ``folder`` to ``repo_id`` — or, in a dry run (or without token), list what would go."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    shown = folder.resolve().relative_to(PROJECT_ROOT) if folder.resolve().is_relative_to(PROJECT_ROOT) else folder
    plan = {"repo_id": repo_id, "folder": str(shown), "dry_run": True,
            "files": [{"path": str(p.relative_to(folder)), "bytes": p.stat().st_size} for p in files]}
    token = token or os.environ.get("HF_TOKEN")
    if dry_run or not token or not repo_id:
        return plan
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=str(folder))
    return {**plan, "dry_run": False, "url": f"https://huggingface.co/{repo_id}"}


#: Where each upload goes, after the Hub's habits: <repo>-lora, <repo>, <repo>-GGUF.
HUB_SUFFIXES = {"adapter": "-lora", "merged": "", "gguf": "-GGUF"}


def push_all(folders: dict[str, Path], repo_id: str | None, dry_run: bool = True) -> dict[str, dict]:
    """:func:`push` of each export folder (``adapter``, ``merged``, ``gguf``) to its repo."""
    return {name: push(folder, repo_id and repo_id + HUB_SUFFIXES[name], dry_run=dry_run)
            for name, folder in folders.items()}


def write_report(reports_dir: str | Path, checks: dict[str, dict], plans: dict) -> Path:
    """``export.json``: each parity summary (by exported model) and what each upload holds."""
    parity_summary = {name: {k: v for k, v in check.items() if k != "differences"} for name, check in checks.items()}
    return write_json(Path(reports_dir) / "export.json", {"parity": parity_summary, "uploads": plans})
