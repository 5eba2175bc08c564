"""The Pelliculum HTTP service (FastAPI). Run it with ``pelliculum serve`` or ``make serve``.

The catalogue, its SQLite store, the recommender (by default the retriever alone: no model is loaded unless
``PELLICULUM_RECOMMENDER_MODE`` or ``PELLICULUM_READER`` asks for the fine-tuned one) and the conversation layer
are loaded once in the lifespan (a missing dataset stops the start with a clear message) and reach the routes
through a dependency. Generation, when a model answers, is synchronous and runs in FastAPI's thread pool behind
one engine lock; answers are cached by film.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.concurrency import run_in_threadpool

from pelliculum_lib.config import get_settings
from pelliculum_lib.conversation import ConversationFull, NothingToRemove, NotShown, UnknownConversation
from pelliculum_lib.serving.service import EngineBusy, RecommendationService, UnknownFilm

from .limits import BodySizeLimit, RateLimit
from .schemas import (ChatRequest, ChatResponse, FilmDetails, FilmOut, Health, Problem, RecommendRequest,
                      RecommendResponse)

log = logging.getLogger("pelliculum.api")
STATIC = Path(__file__).parent / "static"
#: Error answers every POST route may give, documented so the OpenAPI schema tells the truth.
ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    413: "Request body too large", 422: "Invalid request (the message says which field and why)",
    429: "Rate limit exceeded", 503: "The model is busy: retry later"}.items()}


@asynccontextmanager
async def lifespan(app: FastAPI):
    if getattr(app.state, "service", None) is None:  # tests may inject a loaded service
        app.state.service = RecommendationService.load(get_settings())
    yield


def create_app(service: RecommendationService | None = None) -> FastAPI:
    settings = service.settings if service is not None else get_settings()
    app = FastAPI(title="Pelliculum", version=version("pelliculum"), lifespan=lifespan,
                  description="Movie recommendations and a conversation in English and French, grounded in the "
                              "catalogue: every recommended film exists. A LoRA-fine-tuned SmolLM2-135M-Instruct is "
                              "the phase-3 recommender, the phase-4 ranker and the phase-5 reader, each one setting "
                              "away (see /health).")
    app.state.service = service
    app.add_middleware(RateLimit, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            if item.get("type") == "json_invalid":
                problems.append(f"body: invalid JSON ({item.get('ctx', {}).get('error', 'parse error')})")
                continue
            where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(EngineBusy)
    async def busy(request: Request, error: EngineBusy) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("Unhandled error on %s", request.url.path)
        return JSONResponse({"detail": "Internal error: the request could not be answered."}, status_code=500)

    def get_service(request: Request) -> RecommendationService:
        return request.app.state.service

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/health", response_model=Health)
    def health(service: RecommendationService = Depends(get_service)) -> Health:
        s = service.settings
        two_stage = s.recommender == "two-stage"
        folder = (s.ranker_adapter_dir if two_stage and s.recommender_mode != "retriever" else
                  None if two_stage else s.adapter_dir)
        adapter = folder if folder is not None and (folder / "adapter_config.json").is_file() else None
        return Health(status="ok", version=app.version, dataset=s.dataset, base_model=s.base_model,
                      adapter=str(adapter) if adapter else None, recommender=s.recommender,
                      ranking=s.recommender_mode if two_stage else None, fit_split=s.fit_split if two_stage else None,
                      backend=s.backend, catalogue_films=service.store.size,
                      candidate_films=len(service.recommender.candidates),
                      precomputed_answers=service.precomputed.count(), tmdb=service.tmdb is not None,
                      meaning=service.meaning_status(), reader=service.dialogue.reading)

    @app.post("/recommend/", response_model=RecommendResponse,
              responses={404: {"model": Problem, "description": "Unknown film, with close titles"}, **ERRORS})
    async def recommend(body: RecommendRequest, service: RecommendationService = Depends(get_service)):
        try:
            answer = await run_in_threadpool(service.recommend, body.title)
        except UnknownFilm as unknown:
            return JSONResponse(status_code=404, content={
                "detail": f"Unknown film {unknown.query!r}. Close titles: "
                          f"{', '.join(f.label for f in unknown.suggestions) or 'none'}.",
                "suggestions": [asdict(f) for f in unknown.suggestions]})
        films = await service.enrich([answer.film, *answer.recommendations])
        return RecommendResponse(query=answer.query, match=answer.match, film=asdict(films[0]),
                                 recommendations=[asdict(f) for f in films[1:]],
                                 alternatives=[asdict(f) for f in answer.alternatives], cached=answer.cached,
                                 seconds=round(answer.seconds, 4), model_seconds=round(answer.model_seconds, 4))

    @app.post("/chat", response_model=ChatResponse, responses={
        404: {"model": Problem, "description": "Unknown or expired conversation_id"},
        409: {"model": Problem, "description": "The conversation reached its turn limit"}, **ERRORS})
    async def chat(body: ChatRequest, service: RecommendationService = Depends(get_service)):
        try:
            answer = await run_in_threadpool(service.chat, body.message, body.conversation_id, body.remove,
                                             body.more_like, body.not_for_me)
        except UnknownConversation as error:
            return JSONResponse({"detail": str(error)}, status_code=404)
        except ConversationFull as error:
            return JSONResponse({"detail": str(error)}, status_code=409)
        except NothingToRemove as error:
            return JSONResponse({"detail": f"remove: {error}"}, status_code=422)
        except NotShown as error:
            return JSONResponse({"detail": f"{'more_like' if body.more_like is not None else 'not_for_me'}: {error}"},
                                status_code=422)
        films = await service.enrich(answer.recommendations)
        return ChatResponse(conversation_id=answer.conversation_id, message=answer.message, language=answer.language,
                            reply=answer.reply, status=answer.status,
                            film=asdict(answer.film) if answer.film else None,
                            constraints=[asdict(c) for c in answer.constraints],
                            recommendations=[{**asdict(f), "reason": why} for f, why in zip(films, answer.reasons)],
                            suggestions=[asdict(f) for f in answer.suggestions], seconds=round(answer.seconds, 4))

    @app.get("/movies/search", response_model=list[FilmOut], responses={422: ERRORS[422]})
    def search(q: str = Query(..., min_length=1, max_length=200, description="Start of a title"),
               limit: int = Query(10, ge=1, le=50), service: RecommendationService = Depends(get_service)):
        return [asdict(f) for f in service.store.search(q, limit)]

    @app.get("/movies/{film_id}", response_model=FilmDetails,
             responses={404: {"model": Problem, "description": "No film with this id"}, 422: ERRORS[422]})
    async def film_details(film_id: int = PathParam(..., ge=1, le=2**63 - 1, description="TMDb id of a catalogue film"),
                           service: RecommendationService = Depends(get_service)):
        film = service.store.details(film_id)
        if film is None:
            return JSONResponse({"detail": f"No film with id {film_id} in the catalogue."}, status_code=404)
        film, = await service.enrich([film])
        return asdict(film)

    return app


app = create_app()
