"""Benchmark: the real service at the wykonos/movies scale, beside the offline size, in one run.

The offline table (63,115 films) is tiled with offset ids (recommendation ids offset the same
way) and distinct titles up to ~757k rows, as ``bench_phase_build.py`` does. For each size a
real ``pelliculum serve`` starts twice on an empty cache folder — the first start builds the
catalogue store and the retriever artifact, the second only loads them — and is measured:
seconds to ready, resident memory, ``/movies/search`` p50/p95, ``/recommend/`` and ``/chat``
cold (first time) and warm (asked again) p50/p95. Then ``pelliculum precompute`` answers the
most popular films of the large table in process and on Ray with 1 and 2 workers (films/s).

    python bench/bench_scale.py [--copies 12] [--films 60] [--queries 200] [--precompute-films 2000]

Writes reports/scale.{md,json} and reports/figures/bench_scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_phase_build import SOURCE, tiled  # noqa: E402
from live_server import percentiles, rss_mib, serve  # noqa: E402

from pelliculum_lib.config import PROJECT_ROOT  # noqa: E402
from pelliculum_lib.data.values import dash_list  # noqa: E402
from pelliculum_lib.plots import grouped_bars  # noqa: E402

GOALS = {"second start (s)": ("<=", 5.0), "memory after requests (MiB)": ("<=", 2048.0),
         "search p50 (ms)": ("<=", 20.0)}
ANSWER_RATIO = 1.5  # answer times at scale within 1.5x the offline size's


def scaled_table(copies: int, folder: Path) -> Path:
    """``copies`` tiles of the offline table; copies after the first get distinct titles ("Heat #2")."""
    frame = pd.read_parquet(SOURCE)
    big = tiled(frame, copies)
    copy = np.repeat(np.arange(copies), len(frame))
    big["title"] = np.where(copy == 0, big["title"], big["title"] + " #" + (copy + 1).astype(str))
    path = folder / f"movies-x{copies}.parquet"
    big.to_parquet(path, index=False)
    return path


def timed(client: httpx.Client, method: str, url: str, **kwargs) -> float:
    started = time.perf_counter()
    response = client.request(method, url, timeout=120, **kwargs)
    response.raise_for_status()
    return time.perf_counter() - started


def measure(dataset: Path, cache: Path, films: list[str], messages: list[str], queries: list[str]) -> dict:
    env = {"PELLICULUM_DATASET": str(dataset), "PELLICULUM_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1",
           "PELLICULUM_RATE_LIMIT_PER_MINUTE": "0", "PELLICULUM_ANSWER_STORE": str(cache / "answers.sqlite"),
           # Film vectors at 757k take hours to encode (bench_meaning.py times them): a background build would
           # share the CPU with what is measured here. Meaning off stands for "vectors already cached".
           "PELLICULUM_MEANING": "off"}
    result: dict = {"rows": len(pd.read_parquet(dataset, columns=["id"]))}
    with serve(env, ready_timeout=3600) as (_, process, seconds):
        result["first start (s)"] = seconds
        result["memory at first start (MiB)"] = rss_mib(process.pid)
    starts = []
    for attempt in range(2):
        with serve(env, ready_timeout=3600) as (url, process, seconds):
            starts.append(seconds)
            if attempt == 0:
                continue
            result["memory at ready (MiB)"] = rss_mib(process.pid)
            with httpx.Client(base_url=url) as client:
                search = [timed(client, "GET", "/movies/search", params={"q": q, "limit": 10}) for q in queries]
                cold = [timed(client, "POST", "/recommend/", json={"title": f}) for f in films]
                warm = [timed(client, "POST", "/recommend/", json={"title": f}) for f in films]
                chat_cold = [timed(client, "POST", "/chat", json={"message": m}) for m in messages]
                chat_warm = [timed(client, "POST", "/chat", json={"message": m}) for m in messages]
            result["memory after requests (MiB)"] = rss_mib(process.pid)
    result["second start (s)"] = statistics.median(starts[1:]) if len(starts) > 1 else starts[0]
    for name, values in {"search": search, "recommend cold": cold, "recommend warm": warm,
                         "chat cold": chat_cold, "chat warm": chat_warm}.items():
        for p, value in percentiles(values).items():
            result[f"{name} {p} (ms)"] = value * 1000
    return result


def precompute_rates(dataset: Path, cache: Path, films: int) -> list[dict]:
    """films/s of ``pelliculum precompute`` in process and on Ray with 1 and 2 workers (fresh store each)."""
    rates = []
    for label, extra in (("in process", ["--no-ray"]), ("Ray, 1 worker", ["--ray", "--workers", "1"]),
                         ("Ray, 2 workers", ["--ray", "--workers", "2"])):
        store = cache / f"precompute-{len(rates)}.sqlite"
        command = [str(Path(sys.executable).parent / "pelliculum"), "precompute", "--films", str(films),
                   "--store", str(store), "--json", *extra]
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              env={**os.environ, "PELLICULUM_DATASET": str(dataset), "PELLICULUM_CACHE_DIR": str(cache),
                                   "HF_HUB_OFFLINE": "1"})
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        rates.append({"engine": label, "films": summary["answered"], "run (s)": round(summary["seconds"], 1),
                      "answering (s)": round(summary["answer_seconds"], 1),
                      "films/s": round(summary["films_per_second"], 1)})
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--films", type=int, default=60, help="films asked through /recommend/ (cold then warm)")
    parser.add_argument("--queries", type=int, default=200, help="/movies/search queries")
    parser.add_argument("--precompute-films", type=int, default=2000)
    parser.add_argument("--reports-dir", type=Path, default=PROJECT_ROOT / "reports")
    args = parser.parse_args()
    rng = random.Random(0)
    frame = pd.read_parquet(SOURCE)
    known = frame[frame["recommendations"].notna()]["title"].drop_duplicates().tolist()
    films = rng.sample(known[:2000], args.films)
    queries = [t[: rng.randint(3, 8)] for t in rng.sample(frame["title"].tolist(), args.queries)]
    cast = [names[0] for c in frame["credits"].dropna().head(500) if (names := dash_list(c))]
    templates = ["films like {film}", "Propose-moi des films comme {film}", "a comedy from the 90s",
                 "un thriller sombre des années 2000", "films with {actor}", "a feel-good movie about friendship",
                 "{film} but older", "des films d'horreur bien notés avec {actor}"]
    messages = [rng.choice(templates).format(film=rng.choice(films), actor=rng.choice(cast))
                for _ in range(args.films)]
    results = {}
    with tempfile.TemporaryDirectory(prefix="pelliculum-scale-") as tmp:
        folder = Path(tmp)
        for copies in (1, args.copies):
            dataset = scaled_table(copies, folder)
            cache = folder / f"cache-x{copies}"
            print(f"measuring {copies} cop{'y' if copies == 1 else 'ies'} ...", flush=True)
            results[copies] = measure(dataset, cache, films, messages, queries)
            print(json.dumps(results[copies], indent=1), flush=True)
        rates = precompute_rates(folder / f"movies-x{args.copies}.parquet", folder / f"cache-x{args.copies}",
                                 args.precompute_films)
    small, big = results[1], results[args.copies]
    table = pd.DataFrame({f"{small['rows']:,} rows": small, f"{big['rows']:,} rows": big})
    table["ratio"] = table.iloc[:, 1] / table.iloc[:, 0]
    verdicts = []
    for metric, (_, limit) in GOALS.items():
        verdicts.append((metric, f"≤ {limit:g}", big[metric], big[metric] <= limit))
    for metric in ("recommend cold p50 (ms)", "recommend warm p50 (ms)", "chat cold p50 (ms)", "chat warm p50 (ms)"):
        verdicts.append((metric, f"≤ {ANSWER_RATIO}× {small[metric]:.1f}", big[metric],
                         big[metric] <= ANSWER_RATIO * small[metric]))
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    ratios = table.drop(index="rows")[["ratio"]]
    figure = grouped_bars(ratios, ["ratio"], args.reports_dir / "figures" / "bench_scale.png",
                          f"{big['rows']:,} rows vs {small['rows']:,}: ratio per metric (1 = no growth)")
    (args.reports_dir / "scale.json").write_text(json.dumps(
        {"machine": machine, "results": {str(k): v for k, v in results.items()}, "precompute": rates,
         "goals": [{"metric": m, "goal": g, "value": v, "met": bool(ok)} for m, g, v, ok in verdicts]}, indent=2))
    full_catalogue = 722_796
    best = max(rates, key=lambda r: r["films/s"])
    lines = ["# The service at the real wykonos size", "",
             f"Written by `bench/bench_scale.py` (one run, {machine}). The offline table tiled {args.copies}× "
             "(offset ids, distinct titles); each size started twice on an empty cache folder; "
             f"{args.films} films asked through `/recommend/`, {len(messages)} chat messages, "
             f"{len(queries)} title searches; default settings (two-stage recommender, retriever order) but "
             "meaning off (the film vectors' build is timed by `bench/bench_meaning.py`).", "",
             table.to_markdown(floatfmt=".1f"), "", "## Goals at scale", "",
             "| metric | goal | measured | met |", "| --- | --- | --- | --- |",
             *[f"| {m} | {g} | {v:.1f} | {'yes' if ok else '**no**'} |" for m, g, v, ok in verdicts], "",
             f"![ratios](figures/{figure.name})", "", "## `pelliculum precompute` (films/s)", "",
             f"The {args.precompute_films} most popular films of the {big['rows']:,}-row catalogue, fresh store each "
             "(*run*: the whole command, loading the catalogue and the recommender — and starting Ray — included; "
             "*films/s*: while answering, once loaded):", "",
             pd.DataFrame(rates).to_markdown(index=False), "",
             f"At the best rate here ({best['engine']}, {best['films/s']} films/s), the {full_catalogue:,} films of "
             f"wykonos/movies would take {full_catalogue / best['films/s'] / 3600:.1f} h on this machine."]
    (args.reports_dir / "scale.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
