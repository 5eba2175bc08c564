"""The one command line: ``pelliculum data stats | train | checkpoint-adapter | phase4-data | recommend | evaluate | export | serve |
precompute``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pelliculum_lib.config import TRAIN_PHASES, Settings, TrainConfig

log = logging.getLogger("pelliculum")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in {"dataset": getattr(args, "dataset", None),
                                   "base_model": getattr(args, "base_model", None),
                                   "adapter_dir": getattr(args, "adapter", None),
                                   "ranker_adapter_dir": getattr(args, "ranker_adapter", None),
                                   "recommender": getattr(args, "recommender", None),
                                   "recommender_mode": getattr(args, "ranking", None),
                                   "fit_split": getattr(args, "fit_split", None),
                                   "backend": getattr(args, "backend", None)}.items() if v}
    return Settings(**overrides)


def cmd_data_stats(args: argparse.Namespace) -> int:
    from pelliculum_lib.data.analysis import dataset_stats
    from pelliculum_lib.data.catalogue import Catalogue

    settings = _settings(args)
    stats = dataset_stats(Catalogue.load(settings=settings), settings)
    if args.json:
        print(json.dumps(stats))
    else:
        width = max(map(len, stats))
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from pelliculum_lib.training.lora import TrainConfig, train

    settings = _settings(args)
    cfg = TrainConfig(phase=args.phase, max_steps=args.max_steps, batch_size=args.batch_size,
                      grad_accum=args.grad_accum, learning_rate=args.learning_rate, lora_r=args.lora_r,
                      lora_alpha=args.lora_alpha, train_examples=args.train_examples,
                      eval_examples=args.eval_examples, eval_steps=args.eval_steps, save_steps=args.save_steps,
                      report_to=args.report_to, load_in_4bit=args.load_in_4bit, run_name=args.run_name,
                      target_modules=args.target_modules.split(","), init_adapter=args.init_adapter)
    result = train(cfg, settings=settings, output_dir=args.output_dir, adapter_dir=args.adapter_dir,
                   resume=args.resume, data_dir=Path(args.data) if args.data else None)
    print(json.dumps({k: v for k, v in result.summary.items() if k != "config"}, indent=1))
    print(f"adapter saved to {result.adapter_dir}")
    return 0


def cmd_phase4_data(args: argparse.Namespace) -> int:
    from pelliculum_lib.data.catalogue import Catalogue
    from pelliculum_lib.recommending.ranker import phase4_splits

    settings = _settings(args)
    splits = phase4_splits(Catalogue.load(settings=settings), settings, k=args.candidates, progress=True)
    for name, dataset in splits.items():
        dataset.save_to_disk(str(Path(args.output) / name))
        print(f"{name}: {dataset.num_rows} films -> {Path(args.output) / name}")
    return 0


def _phase3_only(settings: Settings, **options: bool) -> None:
    """A clear error for options only the phase-3 recommender has, given to the two-stage one."""
    given = [f"--{name.replace('_', '-')}" for name, used in options.items() if used]
    if given and settings.recommender != "phase3":
        raise ValueError(f"{', '.join(given)}: only with --recommender phase3 (the {settings.recommender} "
                         "recommender ranks retrieved catalogue films: no free decoding, sampling or base model)")


def cmd_recommend(args: argparse.Namespace) -> int:
    from pelliculum_lib.recommending.phase3 import Phase3Recommender
    from pelliculum_lib.recommending.recommendation import catalogue_film, recommend
    from pelliculum_lib.serving.loading import load_recommender

    settings = _settings(args)
    _phase3_only(settings, free=args.free, sample=args.sample, base=args.base)
    recommender = Phase3Recommender.load(settings, adapter="") if args.base else load_recommender(settings)
    result = recommend(recommender, args.title, constrained=not args.free, sampling=args.sample)
    if not result.resolution.found:
        suggestions = ", ".join(catalogue_film(recommender.catalogue, f).label
                                for f in result.resolution.suggestions) or "none"
        print(f"pelliculum: error: unknown film {args.title!r}; close titles: {suggestions}", file=sys.stderr)
        return 2
    if args.json:
        from dataclasses import asdict
        print(json.dumps({"query": result.query, "film": asdict(result.film), "text": result.text,
                          "recommendations": [asdict(f) for f in result.films], "invented": result.invented,
                          "seconds": round(result.seconds, 3)}, default=str))
    else:
        print(f"{result.film.label} ({result.resolution.status} match) -> {result.seconds:.2f} s")
        for rank, film in enumerate(result.films, 1):
            print(f"{rank:>2}. {film.label} [{film.year or '?'}] {', '.join(film.genres)}")
        for title in result.invented:
            print(f"    invented, not a catalogue film: {title!r}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """The configured recommender ("fine-tuned" for phase 3, else its name) against the baselines."""
    from pelliculum_lib.evaluation.comparison import compare
    from pelliculum_lib.data.catalogue import Catalogue
    from pelliculum_lib.recommending.phase3 import Phase3Recommender
    from pelliculum_lib.serving.loading import load_recommender

    settings = _settings(args)
    _phase3_only(settings, with_base=args.with_base)
    catalogue = Catalogue.load(settings=settings)
    name = "fine-tuned" if settings.recommender == "phase3" else settings.recommender
    recommenders = {name: load_recommender(settings, catalogue)}
    if args.with_base:
        recommenders["base"] = Phase3Recommender.load(settings, adapter="", catalogue=catalogue)
    result = compare(catalogue, recommenders, settings, split=args.split, films=args.films,
                     baselines=not args.no_baselines, unconstrained=not args.no_free)
    print(result.table.to_markdown(floatfmt=".3f"))
    if args.json:
        Path(args.json).write_text(result.table.to_json(orient="index", indent=1))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pelliculum_lib.training.export import adapter_folder, gguf_folder, merge, push_all

    settings = _settings(args)
    out = Path(args.output)
    folders = {"adapter": adapter_folder(out / "adapter", settings), "merged": merge(out / "merged", settings)}
    if args.gguf != "none":
        folders["gguf"] = gguf_folder(out / "gguf", settings, qtype=args.gguf).parent
    plans = push_all(folders, args.repo_id or settings.hub_model_id, dry_run=not args.push)
    for name, plan in plans.items():
        size = sum(f["bytes"] for f in plan["files"]) / 2**20
        where = plan.get("url") or f"dry run (would upload to {plan['repo_id'] or 'no repo id set'})"
        print(f"{name}: {plan['folder']} ({len(plan['files'])} files, {size:.1f} MiB) -> {where}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Load everything first (a bad adapter or dataset is a clear error here), then serve."""
    import uvicorn

    from api.main import create_app

    from pelliculum_lib.serving.service import RecommendationService

    service = RecommendationService.load(_settings(args))
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("Listening on %s: the service is reachable from other machines.", args.host)
    uvicorn.run(create_app(service), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_precompute(args: argparse.Namespace) -> int:
    """Answers for every catalogue film (or the first --films), written to the service's answer store."""
    from pelliculum_lib.serving.precompute import precompute

    settings = _settings(args)
    if args.films is not None and args.films < 1:
        raise ValueError(f"--films must be at least 1 (got {args.films})")
    if args.workers < 1 or args.batch_size < 1:
        raise ValueError("--workers and --batch-size must be at least 1")
    summary = precompute(settings, films=args.films, store=Path(args.store) if args.store else None,
                         use_ray=args.ray, ray_address=args.ray_address, workers=args.workers,
                         batch_size=args.batch_size, redo=args.redo)
    print(summary)
    if args.json:
        print(json.dumps({**summary.__dict__, "films_per_second": summary.films_per_second}))
    return 0


RECOMMENDERS = ("two-stage", "phase3")
RANKINGS = ("two-stage", "llm", "generate", "retriever")
SOURCES = {  # option -> (help, extra add_argument keywords)
    "--dataset": ("Hub id or local .parquet/.csv/save_to_disk folder (PELLICULUM_DATASET)", {}),
    "--adapter": ("phase-3 LoRA adapter folder (PELLICULUM_ADAPTER_DIR)", {}),
    "--backend": ("answering engine (PELLICULUM_BACKEND)", {"choices": ["llama.cpp", "transformers"]}),
}


def _add_sources(parser: argparse.ArgumentParser, *options: str) -> None:
    """The repeated ``--dataset``, ``--adapter`` and ``--backend`` options (each overrides its setting)."""
    for option in options:
        text, extra = SOURCES[option]
        parser.add_argument(option, help=text, **extra)


def _add_recommender(parser: argparse.ArgumentParser, fit_split: str | None = None) -> None:
    """Which recommender answers and how (the settings' own by default, as the service loads it)."""
    parser.add_argument("--recommender", choices=RECOMMENDERS, help="what answers (PELLICULUM_RECOMMENDER)")
    parser.add_argument("--ranking", choices=RANKINGS, help="two-stage ordering (PELLICULUM_RECOMMENDER_MODE)")
    default = f"; default here: {fit_split}" if fit_split else ""
    parser.add_argument("--fit-split", choices=["all", "train"], default=fit_split,
                        help=f"lists the retriever is fitted on (PELLICULUM_FIT_SPLIT; 'train' for honest held-out "
                             f"checks{default})")
    parser.add_argument("--ranker-adapter", help="phase-4 ranker adapter folder (PELLICULUM_RANKER_ADAPTER_DIR)")


def _add_data(commands) -> None:
    data = commands.add_parser("data", help="dataset tools").add_subparsers(dest="data_command", required=True)
    stats = data.add_parser("stats", help="dataset and phase-3 statistics")
    _add_sources(stats, "--dataset")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=cmd_data_stats)


def cmd_checkpoint_adapter(args: argparse.Namespace) -> int:
    from pelliculum_lib.training.lora import adapter_from_checkpoint

    checkpoint = Path(args.checkpoint)
    if not (checkpoint / "trainer_state.json").is_file():
        raise ValueError(f"{checkpoint}: not a training checkpoint (no trainer_state.json)")
    print(json.dumps(adapter_from_checkpoint(checkpoint, Path(args.adapter_dir), args.note, args.device,
                                             args.train_examples), indent=1))
    return 0


def _add_checkpoint_adapter(commands) -> None:
    sub = commands.add_parser("checkpoint-adapter", help="a stopped run's checkpoint as an adapter, summary and curve")
    sub.add_argument("checkpoint", help="e.g. outputs/phase5-reader-2/checkpoint-1000")
    sub.add_argument("adapter_dir", help="where the adapter goes, e.g. models/pelliculum-reader")
    sub.add_argument("--note", default="", help="why the run stopped there (kept in summary.json)")
    sub.add_argument("--device", help="where it trained (kept in summary.json), e.g. cpu")
    sub.add_argument("--train-examples", type=int, help="the run's training examples (kept in summary.json)")
    sub.set_defaults(func=cmd_checkpoint_adapter)


def _add_train(commands) -> None:
    d = TrainConfig()
    train = commands.add_parser("train", help="LoRA fine-tuning of one phase (TRL SFTTrainer)")
    train.add_argument("--phase", choices=TRAIN_PHASES, default=d.phase)
    train.add_argument("--max-steps", type=int, default=d.max_steps)
    train.add_argument("--batch-size", type=int, default=d.batch_size)
    train.add_argument("--grad-accum", type=int, default=d.grad_accum)
    train.add_argument("--learning-rate", type=float, default=d.learning_rate)
    train.add_argument("--lora-r", type=int, default=d.lora_r)
    train.add_argument("--lora-alpha", type=int, default=d.lora_alpha)
    train.add_argument("--train-examples", type=int, default=None, help="train on a subset")
    train.add_argument("--eval-examples", type=int, default=d.eval_examples)
    train.add_argument("--eval-steps", type=int, default=d.eval_steps)
    train.add_argument("--save-steps", type=int, default=d.save_steps)
    train.add_argument("--report-to", default=d.report_to, choices=["wandb", "none", "tensorboard"])
    train.add_argument("--load-in-4bit", action="store_true", help="QLoRA (CUDA + bitsandbytes)")
    train.add_argument("--run-name")
    train.add_argument("--output-dir", help="checkpoints (default outputs/<run-name>)")
    train.add_argument("--adapter-dir", help="where the final adapter goes (default <output-dir>/adapter)")
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    train.add_argument("--target-modules", default=",".join(d.target_modules),
                       help="LoRA targets, comma-separated, or 'all-linear'")
    train.add_argument("--data", help="train on datasets saved by `pelliculum phase4-data` (train/, validation/)")
    train.add_argument("--init-adapter", help="start from this trained adapter's LoRA weights (a continued run)")
    _add_sources(train, "--dataset")
    train.add_argument("--base-model")
    train.set_defaults(func=cmd_train)


def _add_phase4_data(commands) -> None:
    phase4 = commands.add_parser("phase4-data", help="save the phase-4 ranker datasets (train/validation/eval)")
    phase4.add_argument("--output", default="outputs/phase4-data")
    phase4.add_argument("--candidates", type=int, default=TrainConfig().candidates,
                        help="retrieved candidates per prompt")
    _add_sources(phase4, "--dataset")
    phase4.set_defaults(func=cmd_phase4_data)


def _add_recommend(commands) -> None:
    recommend = commands.add_parser("recommend", help="films similar to a title (the fine-tuned model)")
    recommend.add_argument("title")
    recommend.add_argument("--free", action="store_true", help="unconstrained decoding (may invent titles)")
    recommend.add_argument("--sample", action="store_true", help="the seed's sampling (temperature 0.2, top_p 0.45)")
    recommend.add_argument("--base", action="store_true", help="the base model, without the adapter")
    recommend.add_argument("--json", action="store_true")
    _add_recommender(recommend)
    _add_sources(recommend, "--adapter", "--dataset", "--backend")
    recommend.set_defaults(func=cmd_recommend)


def _add_evaluate(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="Recall/NDCG/HR@8 and answer metrics, model vs baselines")
    evaluate.add_argument("--split", choices=["eval", "train"], default="eval", help="held-out or training films")
    evaluate.add_argument("--films", type=int, default=None, help="evaluate on this many source films (default all)")
    evaluate.add_argument("--with-base", action="store_true", help="also the base model without fine-tuning")
    evaluate.add_argument("--no-baselines", action="store_true")
    evaluate.add_argument("--no-free", action="store_true", help="skip unconstrained decoding")
    evaluate.add_argument("--json", help="also write the table to this JSON file")
    _add_recommender(evaluate, fit_split="train")
    _add_sources(evaluate, "--adapter", "--dataset", "--backend")
    evaluate.set_defaults(func=cmd_evaluate)


def _add_export(commands) -> None:
    export = commands.add_parser("export", help="merge the adapter; push adapter and merged model (or dry run)")
    export.add_argument("--output", default="outputs/export", help="folder for adapter/ and merged/")
    export.add_argument("--repo-id", help="Hub repo (PELLICULUM_HUB_MODEL_ID); the adapter goes to <repo>-lora")
    export.add_argument("--push", action="store_true", help="really upload (needs HF_TOKEN and network)")
    export.add_argument("--gguf", default="F16", choices=["F16", "Q8_0", "F32", "none"],
                        help="also a GGUF of the merged model for llama.cpp (to <repo>-GGUF)")
    _add_sources(export, "--adapter")
    export.set_defaults(func=cmd_export)


def _add_serve(commands) -> None:
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    _add_recommender(serve)
    _add_sources(serve, "--adapter", "--dataset", "--backend")
    serve.set_defaults(func=cmd_serve)


def _add_precompute(commands) -> None:
    pre = commands.add_parser("precompute", help="answer every catalogue film ahead of time (Ray when installed)")
    pre.add_argument("--films", type=int, help="only the N most popular films (default: the whole catalogue)")
    pre.add_argument("--missing-only", action="store_true", default=True,
                     help="skip films already in the store (the default: a run resumes where it stopped)")
    pre.add_argument("--redo", action="store_true", help="answer the films again, replacing what the store has")
    pre.add_argument("--store", help="answer store file (PELLICULUM_ANSWER_STORE; "
                                     "default .cache/pelliculum/answers.sqlite)")
    engine = pre.add_mutually_exclusive_group()
    engine.add_argument("--ray", dest="ray", action="store_true", default=None,
                        help="run on Ray (default when installed)")
    engine.add_argument("--no-ray", dest="ray", action="store_false", help="run in this process")
    pre.add_argument("--ray-address", help="a running Ray cluster (e.g. ray://head:10001); default: a local one")
    pre.add_argument("--workers", type=int, default=1, help="Ray actors, each loading the recommender once")
    pre.add_argument("--batch-size", type=int, default=64, help="films per task (and per committed batch)")
    _add_recommender(pre)
    _add_sources(pre, "--dataset", "--backend")
    pre.add_argument("--json", action="store_true", help="also print the summary as one JSON object")
    pre.set_defaults(func=cmd_precompute)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pelliculum", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_data, _add_train, _add_checkpoint_adapter, _add_phase4_data, _add_recommend, _add_evaluate, _add_export, _add_serve,
                _add_precompute):
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from pelliculum_lib.data.catalogue import DatasetSchemaError, DatasetSourceError
    from pelliculum_lib.modeling.loading import ModelSourceError

    try:
        return args.func(args)
    except (DatasetSchemaError, DatasetSourceError, ModelSourceError, ValueError, OSError) as error:
        print(f"pelliculum: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
