"""The Pelliculum HTTP service (FastAPI). Run it with ``pelliculum serve`` or ``make serve``.

The catalogue, its SQLite store, the recommender (by default the retriever alone: no model is loaded unless
``PELLICULUM_RECOMMENDER_MODE`` or ``PELLICULUM_READER`` asks for the fine-tuned one) and the conversation layer
are loaded once in the lifespan (a missing dataset stops the start with a clear message), reach the routes
(:mod:`api.routes`) through a dependency, and are closed when the app stops. Generation, when a model answers, is
synchronous and runs in FastAPI's thread pool behind one engine lock; answers are cached by film.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from pelliculum_lib.config import Settings, get_settings
from pelliculum_lib.serving.service import RecommendationService

from .errors import add_error_handlers
from .limits import BodySizeLimit, RateLimit
from .routes import router
from .schemas import state_text_limit

DESCRIPTION = ("Movie recommendations and a conversation in English and French, grounded in the catalogue: every "
               "recommended film exists. A LoRA-fine-tuned SmolLM2-135M-Instruct is the phase-3 recommender, the "
               "phase-4 ranker and the phase-5 reader, each one setting away (see /health).")


@asynccontextmanager
async def lifespan(app: FastAPI):
    if getattr(app.state, "service", None) is None:  # tests may inject a loaded service
        app.state.service = RecommendationService.load(get_settings())
    yield
    await run_in_threadpool(app.state.service.close)


def add_limits(app: FastAPI, settings: Settings) -> None:
    """Rate and body-size limits, and CORS when origins are configured."""
    app.add_middleware(RateLimit, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])


def create_app(service: RecommendationService | None = None) -> FastAPI:
    settings = service.settings if service is not None else get_settings()
    app = FastAPI(title="Pelliculum", version=version("pelliculum"), lifespan=lifespan, description=DESCRIPTION)
    app.state.service = service
    add_limits(app, settings)
    add_error_handlers(app)
    app.include_router(router)
    app.openapi = lambda: state_text_limit(FastAPI.openapi(app), settings.max_message_chars)
    return app


app = create_app()
