"""Request and response models of the HTTP API (pydantic)."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pelliculum_lib.config import get_settings


#: What the validator below enforces, stated in the OpenAPI schema too: some visible text, no control characters.
TEXT_PATTERN = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
MAX_CHARS = get_settings().max_message_chars


def clean_text(value: object) -> object:
    """Strip, refuse empty text and control characters, cap the length (``max_message_chars``).

    Runs before pydantic's own checks, so errors say what is wrong in plain words.
    """
    if not isinstance(value, str):
        return value  # pydantic reports the wrong type
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    limit = get_settings().max_message_chars
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters (got {len(value)})")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


class RecommendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(..., description="A film title, e.g. 'The Dark Knight' (typos and years accepted).",
                       examples=["The Dark Knight"], min_length=1, max_length=MAX_CHARS, pattern=TEXT_PATTERN)

    @field_validator("title", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return clean_text(value)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(..., description="A request in English or French.",
                         examples=["I loved The Matrix, what should I watch next?"], min_length=1,
                         max_length=MAX_CHARS, pattern=TEXT_PATTERN)

    @field_validator("message", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return clean_text(value)


class FilmOut(BaseModel):
    id: int
    title: str
    label: str = Field(description="Unique display title (year added for remakes).")
    year: int | None
    genres: list[str]
    overview: str | None
    rating: float | None
    poster_url: str | None
    tmdb_url: str


class RecommendResponse(BaseModel):
    query: str
    match: str = Field(description="'exact' or 'fuzzy'")
    film: FilmOut
    recommendations: list[FilmOut]
    alternatives: list[FilmOut] = Field(description="Other films with the same title.")
    cached: bool
    seconds: float = Field(description="Server time for this answer.")
    model_seconds: float = Field(description="Of which generation by the model (0 when cached).")


class ChatResponse(BaseModel):
    message: str
    language: str
    reply: str
    status: str = Field(description="'ok', 'unknown' (suggestions given) or 'no_film' (no title in the message)")
    film: FilmOut | None
    recommendations: list[FilmOut]
    suggestions: list[FilmOut]
    seconds: float


class Problem(BaseModel):
    detail: str
    suggestions: list[FilmOut] = []


class Health(BaseModel):
    status: str
    version: str
    dataset: str
    base_model: str
    adapter: str | None
    recommender: str = Field(description="two-stage (retriever + fine-tuned ranker) or phase3 (title generation)")
    ranking: str | None = Field(None, description="two-stage ordering: two-stage, llm, generate or retriever")
    fit_split: str | None = Field(None, description="lists the retriever was fitted on: all or train")
    backend: str
    catalogue_films: int
    candidate_films: int
    tmdb: bool
