"""The HTTP routes: a page, /health, /recommend/, /chat, /movies/search and /movies/{id}.

The loaded service reaches every route through :func:`get_service`; its errors become HTTP answers in
:mod:`api.errors`. Generation, when a model answers, is synchronous and runs in FastAPI's thread pool.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from pelliculum_lib.modeling.loading import active_adapter
from pelliculum_lib.serving.service import RecommendationService

from .schemas import (ChatRequest, ChatResponse, FilmDetails, FilmOut, Health, Problem, RecommendRequest,
                      RecommendResponse, too_long)

STATIC = Path(__file__).parent / "static"
#: Error answers every POST route may give, documented so the OpenAPI schema tells the truth.
ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    413: "Request body too large", 422: "Invalid request (the message says which field and why)",
    429: "Rate limit exceeded", 503: "The model is busy: retry later"}.items()}

router = APIRouter()


async def get_service(request: Request) -> RecommendationService:
    """The service the app loaded (or was given)."""
    return request.app.state.service


Service = Annotated[RecommendationService, Depends(get_service)]
Body = TypeVar("Body", RecommendRequest, ChatRequest)


def _capped(body: Body, service: RecommendationService) -> Body:
    """``body`` if its text is at most the service's ``max_message_chars`` long (a 422 otherwise)."""
    if errors := too_long(body, service.settings.max_message_chars):
        raise RequestValidationError(errors)
    return body


async def recommend_request(body: RecommendRequest, service: Service) -> RecommendRequest:
    return _capped(body, service)


async def chat_request(body: ChatRequest, service: Service) -> ChatRequest:
    return _capped(body, service)


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/health", response_model=Health)
def health(request: Request, service: Service) -> Health:
    s = service.settings
    two_stage = s.recommender == "two-stage"
    adapter = active_adapter(s)
    adapter = adapter if adapter is not None and (adapter / "adapter_config.json").is_file() else None
    return Health(status="ok", version=request.app.version, dataset=s.dataset, base_model=s.base_model,
                  adapter=str(adapter) if adapter else None, recommender=s.recommender,
                  ranking=s.recommender_mode if two_stage else None, fit_split=s.fit_split if two_stage else None,
                  backend=s.backend, catalogue_films=service.store.size,
                  candidate_films=len(service.recommender.candidates),
                  precomputed_answers=service.precomputed.count(), tmdb=service.tmdb is not None,
                  meaning=service.meaning_status(), reader=service.dialogue.reading,
                  reader_status=service.reader_status(), model_reads=service.dialogue.model_reads)


@router.post("/recommend/", response_model=RecommendResponse,
             responses={404: {"model": Problem, "description": "Unknown film, with close titles"}, **ERRORS})
async def recommend(body: Annotated[RecommendRequest, Depends(recommend_request)], service: Service):
    answer = await run_in_threadpool(service.recommend, body.title)
    films = await service.enrich([answer.film, *answer.recommendations])
    return RecommendResponse(query=answer.query, match=answer.match, film=asdict(films[0]),
                             recommendations=[asdict(f) for f in films[1:]],
                             alternatives=[asdict(f) for f in answer.alternatives], cached=answer.cached,
                             seconds=round(answer.seconds, 4), model_seconds=round(answer.model_seconds, 4))


@router.post("/chat", response_model=ChatResponse, responses={
    404: {"model": Problem, "description": "Unknown or expired conversation_id"},
    409: {"model": Problem, "description": "The conversation reached its turn limit"}, **ERRORS})
async def chat(body: Annotated[ChatRequest, Depends(chat_request)], service: Service):
    answer = await run_in_threadpool(service.chat, body.message, body.conversation_id, body.remove,
                                     body.more_like, body.not_for_me)
    films = await service.enrich(answer.recommendations)
    return ChatResponse(conversation_id=answer.conversation_id, message=answer.message, language=answer.language,
                        reply=answer.reply, status=answer.status, film=asdict(answer.film) if answer.film else None,
                        constraints=[asdict(c) for c in answer.constraints],
                        recommendations=[{**asdict(f), "reason": why} for f, why in zip(films, answer.reasons)],
                        suggestions=[asdict(f) for f in answer.suggestions], seconds=round(answer.seconds, 4))


@router.get("/movies/search", response_model=list[FilmOut], responses={422: ERRORS[422]})
def search(service: Service, q: str = Query(..., min_length=1, max_length=200, description="Start of a title"),
           limit: int = Query(10, ge=1, le=50)):
    return [asdict(f) for f in service.store.search(q, limit)]


@router.get("/movies/{film_id}", response_model=FilmDetails,
            responses={404: {"model": Problem, "description": "No film with this id"}, 422: ERRORS[422]})
async def film_details(service: Service, film_id: int = PathParam(..., ge=1, le=2**63 - 1,
                                                                     description="TMDb id of a catalogue film")):
    film = await run_in_threadpool(service.details, film_id)
    film, = await service.enrich([film])
    return asdict(film)
