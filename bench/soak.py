"""Soak test: concurrent clients against a real running service on loopback.

    python bench/soak.py [--clients 8] [--seconds 180] [--films 200]

Each client loops over POST /recommend/ and POST /chat, mixing distinct films (first answers)
and repeated ones (cached answers), for a fixed time. Reports requests, errors, latency
percentiles and the server's resident memory at start and at the end, in
reports/reliability.{md,json}. The per-client rate limit is switched off for the run (all
clients share 127.0.0.1).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import threading
import time

import httpx

from live_server import percentiles, rss_mib, serve
from pelliculum_lib.config import PROJECT_ROOT, get_settings
from pelliculum_lib.data.catalogue import Catalogue


def pick_films(count: int, seed: int = 0) -> list[str]:
    catalogue = Catalogue.load(settings=get_settings())
    movies = catalogue.movies[catalogue.movies["recommendations"].notna()]
    return movies["label"].head(count * 3).sample(count, random_state=seed).tolist()


def client_loop(url: str, films: list[str], deadline: float, seed: int, results: list, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as http:
        while time.perf_counter() < deadline:
            film = rng.choice(films[:8]) if rng.random() < 0.5 else rng.choice(films)  # repeated vs distinct
            if rng.random() < 0.7:
                route, payload = "/recommend/", {"title": film}
            else:
                route, payload = "/chat", {"message": rng.choice(["I loved {}, what next?", "Des films comme {}"]).format(film)}
            started = time.perf_counter()
            try:
                response = http.post(route, json=payload)
                ok = response.status_code == 200 and bool(response.json().get("recommendations"))
                status = response.status_code
            except httpx.HTTPError as error:
                ok, status = False, type(error).__name__
            with lock:
                results.append({"route": route, "ok": ok, "status": status, "seconds": time.perf_counter() - started})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--films", type=int, default=200)
    args = parser.parse_args()
    films = pick_films(args.films)
    with tempfile.TemporaryDirectory() as answers, serve({"PELLICULUM_RATE_LIMIT_PER_MINUTE": "0",
                                                         "PELLICULUM_ANSWER_CACHE_DIR": answers}) \
            as (url, process, ready):  # an empty answer cache: distinct films really run the model
        rss_start = rss_mib(process.pid)
        results: list[dict] = []
        lock = threading.Lock()
        deadline = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=client_loop, args=(url, films, deadline, i, results, lock))
                   for i in range(args.clients)]
        for thread in threads:
            thread.start()
        samples = []
        while any(t.is_alive() for t in threads):
            samples.append(rss_mib(process.pid))
            time.sleep(2)
        rss_end = rss_mib(process.pid)
    latencies = [r["seconds"] for r in results]
    spread = percentiles(latencies, ("p50", "p95", "max"))
    errors = [r for r in results if not r["ok"]]
    summary = {
        "backend": f"{get_settings().backend} ({get_settings().gguf_type})" if get_settings().backend == "llama.cpp"
        else f"transformers ({get_settings().inference_dtype})",
        "clients": args.clients, "seconds": args.seconds, "distinct_films": len(films), "requests": len(results),
        "errors": len(errors), "error_statuses": sorted({str(r["status"]) for r in errors}),
        "requests_per_second": round(len(results) / args.seconds, 2),
        "p50_s": round(spread["p50"], 3), "p95_s": round(spread["p95"], 3), "max_s": round(spread["max"], 3),
        "ready_s": round(ready, 1),
        "rss_start_mib": round(rss_start, 1), "rss_end_mib": round(rss_end, 1),
        "rss_max_mib": round(max(samples), 1) if samples else None,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}",
    }
    reports = PROJECT_ROOT / "reports"
    (reports / "reliability.json").write_text(json.dumps(summary, indent=1))
    rows = "\n".join(f"| {k} | {v} |" for k, v in summary.items())
    (reports / "reliability.md").write_text(f"""# Reliability: soak test

Written by `bench/soak.py` against a real `pelliculum serve` on loopback (the committed adapter,
the offline base model, `PELLICULUM_DATASET` = {get_settings().dataset}). {args.clients} clients for
{args.seconds:.0f} s, each looping over `POST /recommend/` (70 %) and `POST /chat` (30 %, English and
French), half of the requests on 8 repeated films and half on {len(films)} distinct ones. An error is
any answer that is not a 200 with recommendations. The per-client rate limit was off (every client is
127.0.0.1).

| measure | value |
| --- | --- |
{rows}

Memory is the server's resident set (VmRSS) once ready and at the end; `rss_max_mib` is the
largest sample taken every 2 s. Latency includes waiting for the single model engine (one
generation at a time), so the p95 reflects queueing under {args.clients} concurrent clients.
Median latency over all requests: {statistics.median(latencies):.3f} s.
""")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
