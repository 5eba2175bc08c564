"""The one command line: ``pelliculum data stats | train | serve``."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .config import Settings

log = logging.getLogger("pelliculum")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {k: v for k, v in {"dataset": getattr(args, "dataset", None),
                                   "base_model": getattr(args, "base_model", None)}.items() if v}
    return Settings(**overrides)


def cmd_data_stats(args: argparse.Namespace) -> int:
    from .analysis import dataset_stats
    from .data import Catalogue

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
    from .training import TrainConfig, train

    settings = _settings(args)
    cfg = TrainConfig(phase=args.phase, max_steps=args.max_steps, batch_size=args.batch_size,
                      grad_accum=args.grad_accum, learning_rate=args.learning_rate, lora_r=args.lora_r,
                      lora_alpha=args.lora_alpha, train_examples=args.train_examples,
                      eval_examples=args.eval_examples, eval_steps=args.eval_steps, save_steps=args.save_steps,
                      report_to=args.report_to, load_in_4bit=args.load_in_4bit, run_name=args.run_name)
    result = train(cfg, settings=settings, output_dir=args.output_dir, adapter_dir=args.adapter_dir,
                   resume=args.resume)
    print(json.dumps({k: v for k, v in result.summary.items() if k != "config"}, indent=1))
    print(f"adapter saved to {result.adapter_dir}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("api.main:app", host=args.host, port=args.port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pelliculum", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="dataset tools").add_subparsers(dest="data_command", required=True)
    stats = data.add_parser("stats", help="dataset and phase-3 statistics")
    stats.add_argument("--dataset", help="Hub id or local .parquet/.csv/save_to_disk folder (PELLICULUM_DATASET)")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=cmd_data_stats)

    from .phases import PHASES
    from .training import TrainConfig

    d = TrainConfig()
    train = commands.add_parser("train", help="LoRA fine-tuning of one phase (TRL SFTTrainer)")
    train.add_argument("--phase", choices=PHASES, default=d.phase)
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
    train.add_argument("--dataset")
    train.add_argument("--base-model")
    train.set_defaults(func=cmd_train)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .data import DatasetSchemaError, DatasetSourceError
    from .modeling import ModelSourceError

    try:
        return args.func(args)
    except (DatasetSchemaError, DatasetSourceError, ModelSourceError, ValueError) as error:
        print(f"pelliculum: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
