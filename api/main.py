"""The Pelliculum HTTP service (FastAPI). Run it with ``pelliculum serve`` or ``make serve``.

Heavy state (catalogue, model) is loaded once in the lifespan and shared through
dependencies; the recommendation and chat routes arrive with the service issue.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel

from pelliculum_lib.config import Settings, get_settings


class Health(BaseModel):
    status: str
    version: str
    dataset: str
    base_model: str
    adapter: str | None


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.settings = get_settings()
    yield


app = FastAPI(title="Pelliculum", description="Movie recommendations from a fine-tuned SmolLM2.",
              version=version("pelliculum"), lifespan=lifespan)


def settings_dep(request: Request) -> Settings:
    return request.app.state.settings


@app.get("/health", response_model=Health)
def health(settings: Settings = Depends(settings_dep)) -> Health:
    adapter = settings.adapter_dir if (settings.adapter_dir / "adapter_config.json").is_file() else None
    return Health(status="ok", version=app.version, dataset=settings.dataset, base_model=settings.base_model,
                  adapter=str(adapter) if adapter else None)
