"""Errors as HTTP answers, registered once on the app: every error is ``{"detail": "..."}`` with its status.

Request validation (422, one plain sentence per problem), HTTP errors, the domain errors of the service and the
conversation layer, and anything unexpected (500, logged, no internals shown).
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pelliculum_lib.conversation import ConversationFull, NothingToRemove, NotShown, UnknownConversation
from pelliculum_lib.serving.service import EngineBusy, FilmNotFound, UnknownFilm

log = logging.getLogger("pelliculum.api")
#: Domain errors answered with their message alone.
STATUS = {UnknownConversation: 404, FilmNotFound: 404, ConversationFull: 409}


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


async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"detail": str(error.detail)}, status_code=error.status_code, headers=error.headers)


async def unknown_film(request: Request, error: UnknownFilm) -> JSONResponse:
    return JSONResponse(status_code=404, content={
        "detail": f"Unknown film {error.query!r}. Close titles: "
                  f"{', '.join(f.label for f in error.suggestions) or 'none'}.",
        "suggestions": [asdict(f) for f in error.suggestions]})


async def by_status(request: Request, error: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS.items() if isinstance(error, kind))
    return JSONResponse({"detail": str(error)}, status_code=status)


async def nothing_to_remove(request: Request, error: NothingToRemove) -> JSONResponse:
    return JSONResponse({"detail": f"remove: {error}"}, status_code=422)


async def not_shown(request: Request, error: NotShown) -> JSONResponse:
    return JSONResponse({"detail": f"{error.field}: {error}"}, status_code=422)


async def busy(request: Request, error: EngineBusy) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=503, headers={"Retry-After": "5"})


async def unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("Unhandled error on %s", request.url.path)
    return JSONResponse({"detail": "Internal error: the request could not be answered."}, status_code=500)


def add_error_handlers(app: FastAPI) -> None:
    """Register every handler above on ``app``."""
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(UnknownFilm, unknown_film)
    for error in STATUS:
        app.add_exception_handler(error, by_status)
    app.add_exception_handler(NothingToRemove, nothing_to_remove)
    app.add_exception_handler(NotShown, not_shown)
    app.add_exception_handler(EngineBusy, busy)
    app.add_exception_handler(Exception, unexpected)
