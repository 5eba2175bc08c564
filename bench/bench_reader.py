"""The phase-5 reader through HTTP: turns read by the model, turns the rules explain, 8 concurrent clients.

    python bench/bench_reader.py [--messages 40] [--concurrent 8] [--types F16 Q8_0]

For each GGUF type a fresh `pelliculum serve` is started with an empty answer cache (the merged reader GGUF is
exported beforehand, as a second start finds it; the film vectors are off so that a start measures the reader):

- ready: seconds from the process start to /health answering, with the reader loaded;
- model turns, cold: distinct generated messages (never a labelled or frozen one), each the first turn of its own
  conversation, with ``PELLICULUM_READER=model`` (every turn read by the model), sequential: p50 / p95 / max;
- hybrid turns the rules explain ("a comedy from the 90s" and the like), ``PELLICULUM_READER=hybrid``: p50 / p95;
- 8 concurrent clients on the model reader over other distinct messages: errors (any non-2xx or transport error) and
  the turns whose reading fell back to the rules because the model was busy (the service never waits long for it).

Writes reports/reader_latency.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time

import httpx
import numpy as np

from live_server import concurrent_posts, percentiles, rss_mib, serve
from pelliculum_lib.config import PROJECT_ROOT, get_settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.data.messages import held_out_messages, load_messages
from pelliculum_lib.modeling.llamacpp import cached_gguf
from pelliculum_lib.reports import write_report
from pelliculum_lib.training.reader_data import Generator, Vocabulary

TARGETS = {"model_p50_s": 0.4, "model_p95_s": 0.8}
EXPLAINED = ["a comedy from the 90s", "une comédie des années 90", "horror films under 90 minutes", "un polar coréen",
             "well rated westerns", "des films de guerre bien notés", "sci-fi from the 80s", "un drame français récent"]


def messages(count: int, seed: int) -> list[str]:
    """Distinct generated first messages in both languages, none of them a labelled or held-out one."""
    generator = Generator(Vocabulary.of(Catalogue.load(settings=get_settings())), seed)
    labelled = held_out_messages() | {" ".join(m["message"].split()).casefold() for m in load_messages()}
    out: list[str] = []
    while len(out) < count:
        text, _ = generator.opening("en" if len(out) % 2 == 0 else "fr")
        if " ".join(text.split()).casefold() not in labelled and text not in out:
            out.append(text)
    return out


def timed_turns(url: str, texts: list[str]) -> list[float]:
    seconds = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for text in texts:
            started = time.perf_counter()
            http.post("/chat", json={"message": text}).raise_for_status()
            seconds.append(time.perf_counter() - started)
    return seconds


def concurrent_turns(url: str, texts: list[str], clients: int) -> dict:
    results, wall = concurrent_posts(url, "/chat", lambda i: [{"message": t} for t in texts[i::clients]], clients, 60)
    return {"clients": clients, "requests": len(results), "errors": sum(not ok for ok, _ in results),
            "p95_s": round(percentiles([s for _, s in results])["p95"], 3), "throughput_rps": round(len(results) / wall, 2)}


def measure(qtype: str, cold: list[str], busy: list[str], clients: int) -> dict:
    base = {"PELLICULUM_GGUF_TYPE": qtype, "PELLICULUM_MEANING": "off", "PELLICULUM_RATE_LIMIT_PER_MINUTE": "0",
            "PELLICULUM_READER_BACKGROUND": "false"}  # ready = the reader loaded
    with tempfile.TemporaryDirectory() as answers, \
            serve({**base, "PELLICULUM_READER": "model", "PELLICULUM_ANSWER_CACHE_DIR": answers}) as (url, proc, ready):
        health = httpx.get(f"{url}/health").json()
        model = percentiles(timed_turns(url, cold), ("p50", "p95", "max"))
        reads_before = httpx.get(f"{url}/health").json().get("model_reads")
        load = concurrent_turns(url, busy, clients)
        reads_after = httpx.get(f"{url}/health").json().get("model_reads")
        rss = rss_mib(proc.pid)
    with tempfile.TemporaryDirectory() as answers, \
            serve({**base, "PELLICULUM_READER": "hybrid", "PELLICULUM_ANSWER_CACHE_DIR": answers}) as (url, _, _):
        explained = percentiles(timed_turns(url, EXPLAINED * 3), ("p50", "p95"))
    fell_back = None if reads_before is None or reads_after is None else load["requests"] - (reads_after - reads_before)
    return {"gguf": qtype, "reader": health.get("reader"), "ready_s": round(ready, 2),
            "model_turns": len(cold), "model_p50_s": round(model["p50"], 3), "model_p95_s": round(model["p95"], 3),
            "model_max_s": round(model["max"], 3), "explained_p50_ms": round(explained["p50"] * 1000, 1),
            "explained_p95_ms": round(explained["p95"] * 1000, 1), **{f"concurrent_{k}": v for k, v in load.items()},
            "concurrent_rules_fallbacks": fell_back, "rss_mib": round(rss, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=40, help="cold turns per type (as many again under load)")
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--types", nargs="+", default=["F16", "Q8_0"])
    args = parser.parse_args()
    settings = get_settings()
    texts = messages(args.messages * 2 * len(args.types), seed=2026)
    rows = []
    for i, qtype in enumerate(args.types):
        cached_gguf(settings, adapter=settings.reader_adapter_dir, qtype=qtype)  # the one-off export
        chunk = texts[i * 2 * args.messages:(i + 1) * 2 * args.messages]
        rows.append(measure(qtype, chunk[:args.messages], chunk[args.messages:], args.concurrent))
        print(json.dumps(rows[-1]))
    machine = f"{platform.processor() or platform.machine()}, {platform.system()}, CPU"
    context = {"machine": machine, "targets": TARGETS, "adapter": str(settings.reader_adapter_dir),
               "note": "one run on one machine; compare the rows with each other, not with other machines"}
    table = "| " + " | ".join(rows[0]) + " |\n| " + " | ".join("---" for _ in rows[0]) + " |\n" + \
        "\n".join("| " + " | ".join(str(v) for v in row.values()) + " |" for row in rows)
    write_report(PROJECT_ROOT / "reports" / "reader_latency.md", {"The reader through HTTP": table}, context,
                 title="Phase 5: the reader's latency", origin="Written by `bench/bench_reader.py`.",
                 data={"context": context, "rows": rows})


if __name__ == "__main__":
    main()
