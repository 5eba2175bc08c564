"""Request and response models of the HTTP API (pydantic).

A request's free text (its ``capped`` fields) is at most the app's ``max_message_chars`` long: the routes check it
(:func:`too_long`) and the app's OpenAPI schema states it (:func:`state_text_limit`), both from the app's settings.
"""

from __future__ import annotations

import unicodedata
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pelliculum_lib.conversation.dialogue import ReplyStatus
from pelliculum_lib.data.titles import Status


#: What the validator below enforces, stated in the OpenAPI schema too: some visible text, no control characters.
TEXT_PATTERN = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"


def clean_text(value: object) -> object:
    """Strip, refuse empty text and control characters.

    Runs before pydantic's own checks, so errors say what is wrong in plain words.
    """
    if not isinstance(value, str):
        return value  # pydantic reports the wrong type
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


def too_long(request: BaseModel, limit: int) -> list[dict]:
    """Validation errors (pydantic's shape) of the ``capped`` fields of ``request`` longer than ``limit``."""
    return [{"type": "string_too_long", "loc": ("body", name), "input": value,
             "msg": f"must be at most {limit} characters (got {len(value)})"}
            for name in request.capped if (value := getattr(request, name)) is not None and len(value) > limit]


def state_text_limit(openapi: dict, limit: int) -> dict:
    """``openapi`` with ``maxLength: limit`` on the string of every ``capped`` request field."""
    schemas = openapi["components"]["schemas"]
    for model in (RecommendRequest, ChatRequest):
        for name in model.capped:
            field = schemas[model.__name__]["properties"][name]
            for option in field.get("anyOf", [field]):
                if option.get("type") == "string":
                    option["maxLength"] = limit
    return openapi


class RecommendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    capped: ClassVar[tuple[str, ...]] = ("title",)  # at most max_message_chars long
    title: str = Field(..., description="A film title, e.g. 'The Dark Knight' (typos and years accepted).",
                       examples=["The Dark Knight"], min_length=1, pattern=TEXT_PATTERN)

    @field_validator("title", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return clean_text(value)


class ChatRequest(BaseModel):
    # A message, or one action on the last answer (remove a chip, a card's more_like / not_for_me), stated in the schema too.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["message"], "properties": {"message": {"type": "string"}},
         "not": {"anyOf": [{"required": ["remove"]}, {"required": ["more_like"]}, {"required": ["not_for_me"]}]}},
        *({"required": [action, "conversation_id"],
           "properties": {action: {"type": "string" if action == "remove" else "integer"},
                          "conversation_id": {"type": "string"}},
           "not": {"anyOf": [{"required": [other]} for other in ("remove", "more_like", "not_for_me") if other != action]}}
          for action in ("remove", "more_like", "not_for_me"))]})
    capped: ClassVar[tuple[str, ...]] = ("message",)  # at most max_message_chars long
    message: str | None = Field(None, description="A request in English or French (optional with `remove`).",
                                examples=["a dark sci-fi thriller from the 90s"], min_length=1, pattern=TEXT_PATTERN)
    conversation_id: str | None = Field(None, description="From the previous answer: continues that conversation "
                                        "(\"more\", \"only comedies\", \"why the second one?\").",
                                        pattern=r"^[A-Za-z0-9_-]{1,64}$")
    remove: str | None = Field(None, description="The `key` of one constraint of the last answer: asks again "
                               "without it (needs conversation_id; a message sent with it is ignored).", min_length=1, max_length=200,
                               pattern=TEXT_PATTERN)

    more_like: int | None = Field(None, description="A card's \"more like this\": the id of a film this conversation "
                                  "showed; the next answer pivots on it, keeping the constraints (needs conversation_id).",
                                  ge=1, le=2**31)
    not_for_me: int | None = Field(None, description="A card's \"not for me\": the id of a film this conversation showed; "
                                   "it never comes back and its close neighbours come later (needs conversation_id).",
                                   ge=1, le=2**31)

    @field_validator("message", "remove", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return clean_text(value) if value is not None else value

    @model_validator(mode="after")
    def _something_to_answer(self) -> "ChatRequest":
        actions = [name for name in ("remove", "more_like", "not_for_me") if getattr(self, name) is not None]
        if self.message is None and not actions:
            raise ValueError("give a message (or remove, more_like or not_for_me, with conversation_id)")
        if len(actions) > 1:
            raise ValueError(f"give one of remove, more_like and not_for_me, not {' and '.join(actions)}")
        if actions and self.conversation_id is None:
            raise ValueError(f"{actions[0]} needs the conversation_id of the answer it acts on")
        return self


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
    # The keys of a TMDb /search/movie result, as the seed's API returned them (null where unknown).
    poster: str | None = Field(description="Full poster URL (same as poster_url), or null.")
    poster_path: str | None
    backdrop_path: str | None
    release_date: str | None = Field(description="YYYY-MM-DD", pattern=r"^\d{4}-\d{2}-\d{2}$")
    vote_average: float | None
    vote_count: int | None
    original_language: str | None
    original_title: str | None
    genre_ids: list[int] = Field(description="TMDb genre ids of `genres` (genres without an id left out).")
    popularity: float | None
    adult: bool
    video: bool


class FilmDetails(FilmOut):
    cast: list[str] = Field(description="Main cast, billing order.")
    runtime: int | None = Field(description="Minutes (null when unknown).")
    tagline: str | None
    keywords: list[str]
    production_companies: list[str]


class RecommendResponse(BaseModel):
    query: str
    match: Status = Field(description="'exact' or 'fuzzy'")
    film: FilmOut
    recommendations: list[FilmOut]
    alternatives: list[FilmOut] = Field(description="Other films with the same title.")
    cached: bool
    seconds: float = Field(description="Server time for this answer.")
    model_seconds: float = Field(description="Of which generation by the model (0 when cached).")


class ConstraintOut(BaseModel):
    key: str = Field(description="Send it back as `remove` to ask again without this constraint.")
    slot: str = Field(description="film, people, without_people, genres, without_genres, years, min_rating, "
                                  "max_runtime, original_language or mood")
    label: str = Field(description="What was understood, in the user's language.")


class Recommendation(FilmOut):
    reason: str = Field(description="Why this film: facts it shares with the reference film or the constraints "
                                    "it meets (never generated text).")


class ChatResponse(BaseModel):
    conversation_id: str = Field(description="Send it with the next message to continue the conversation.")
    message: str
    language: str
    reply: str
    status: ReplyStatus = Field(description="'ok'; 'fewer' (fewer films than asked satisfy every constraint: the "
                                            "reply says so and which constraint to relax); 'more_none' (nothing left "
                                            "for 'more'); 'explain' (an answer to 'why'); 'unknown' (unknown film, "
                                            "suggestions given); 'no_film' (nothing to recommend from: the reply asks)")
    film: FilmOut | None = Field(description="The reference film, when there is one.")
    constraints: list[ConstraintOut] = Field(description="What was understood, one chip each.")
    recommendations: list[Recommendation]
    suggestions: list[FilmOut] = Field(description="Close titles (unknown film) or same-title films (remakes).")
    seconds: float


class Problem(BaseModel):
    detail: str
    suggestions: list[FilmOut] = []


class Meaning(BaseModel):
    encoder: str = Field(description="e5-small, minilm or off")
    status: str = Field(description="ready | building (descriptions read as words meanwhile) | failed | off")
    progress: float = Field(description="Share of the film vectors built (1.0 when ready)")
    titles: str = Field("off", description="The most-voted titles' vectors, built after the film vectors (a title "
                                           "in another language is then suggested): ready | building | failed | off")


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
    precomputed_answers: int = Field(0, description="Answers read from the precomputed store (pelliculum precompute).")
    tmdb: bool
    meaning: Meaning = Field(description="The sentence encoder behind descriptions and 'same feel' answers")
    reader: str = Field("rules", description="Who reads chat messages: rules, model (the phase-5 fine-tuned "
                                             "SmolLM2) or hybrid (the model where the rules leave words unexplained)")
    reader_status: str = Field("off", description="The reader model: off (the rules read), loading (the rules "
                                                  "read until it is ready), ready, or unavailable (failed to load)")
    model_reads: int = Field(0, description="Messages the reader model has read since the start (the others: the "
                                            "rules, or the rules' reading kept when the model was busy or slow)")

