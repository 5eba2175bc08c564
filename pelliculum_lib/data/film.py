"""A catalogue film as the service shows it: the service's own fields plus the keys of a TMDb ``/search/movie``
result (the seed client's shape), and the details ``GET /movies/{id}`` adds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from pelliculum_lib.data.values import clean, dash_list

POSTER_BASE = "https://image.tmdb.org/t/p/w342"
TMDB_MOVIE = "https://www.themoviedb.org/movie/{id}"
#: TMDb's fixed movie genre ids (``/genre/movie/list``). The data's "Foreign" has no id there: skipped.
TMDB_GENRE_IDS: dict[str, int] = {
    "Action": 28, "Adventure": 12, "Animation": 16, "Comedy": 35, "Crime": 80, "Documentary": 99, "Drama": 18,
    "Family": 10751, "Fantasy": 14, "History": 36, "Horror": 27, "Music": 10402, "Mystery": 9648,
    "Romance": 10749, "Science Fiction": 878, "TV Movie": 10770, "Thriller": 53, "War": 10752, "Western": 37,
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def genre_ids(genres: list[str]) -> list[int]:
    """TMDb ids of genre names, in order (names without an id skipped)."""
    return [TMDB_GENRE_IDS[g] for g in genres if g in TMDB_GENRE_IDS]


@dataclass
class Film:
    """A catalogue film with the metadata the service shows.

    Besides the service's own fields it carries the keys of a TMDb ``/search/movie`` result (the
    seed's API returned those, plus ``poster``): null where the catalogue does not know them.
    ``poster`` always mirrors ``poster_url``; ``original_title`` defaults to ``title`` (the catalogue
    has no other), ``vote_average`` to ``rating`` and ``genre_ids`` to the TMDb ids of ``genres``.
    """

    id: int
    title: str
    label: str
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    overview: str | None = None
    rating: float | None = None
    popularity: float | None = None
    poster_url: str | None = None
    tmdb_url: str = ""
    # TMDb search-result keys (the seed client's shape)
    poster: str | None = None
    poster_path: str | None = None
    backdrop_path: str | None = None
    release_date: str | None = None  # YYYY-MM-DD
    vote_average: float | None = None
    vote_count: int | None = None
    original_language: str | None = None
    original_title: str | None = None
    genre_ids: list[int] | None = None
    adult: bool = False
    video: bool = False

    def __post_init__(self):
        self.poster = self.poster_url  # one source of truth, also after dataclasses.replace(poster_url=...)
        if self.original_title is None:
            self.original_title = self.title
        if self.vote_average is None:
            self.vote_average = self.rating
        if self.genre_ids is None:
            self.genre_ids = genre_ids(self.genres)

    @staticmethod
    def row_fields(row: pd.Series | dict) -> dict:
        """The constructor's arguments for a catalogue row."""
        poster = clean(row.get("poster_path"))
        date = clean(row.get("release_date"))
        votes = clean(row.get("vote_count"))
        return dict(
            id=int(row["id"]), title=str(row["title"]), label=str(row["label"]), year=clean(row.get("year")),
            genres=dash_list(row.get("genres")),
            overview=clean(row.get("overview")), rating=clean(row.get("vote_average")),
            popularity=clean(row.get("popularity")),
            poster_url=f"{POSTER_BASE}{poster}" if poster else None,
            tmdb_url=TMDB_MOVIE.format(id=int(row["id"])),
            poster_path=poster, backdrop_path=clean(row.get("backdrop_path")),
            release_date=str(date) if date and _DATE.fullmatch(str(date)) else None,
            vote_count=int(votes) if votes is not None else None,
            original_language=clean(row.get("original_language")),
        )

    @classmethod
    def from_row(cls, row: pd.Series | dict) -> "Film":
        return cls(**cls.row_fields(row))


@dataclass
class FilmDetails(Film):
    """A film with what ``GET /movies/{id}`` adds: cast, runtime, tagline, keywords, companies."""

    cast: list[str] = field(default_factory=list)  # the data's ``credits``, split on '-' (as the data joins them)
    runtime: int | None = None  # minutes; 0 in the data means unknown
    tagline: str | None = None
    keywords: list[str] = field(default_factory=list)
    production_companies: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: pd.Series | dict) -> "FilmDetails":
        runtime = clean(row.get("runtime"))
        return cls(**cls.row_fields(row), cast=dash_list(row.get("credits")),
                   runtime=int(runtime) if runtime else None, tagline=clean(row.get("tagline")),
                   keywords=dash_list(row.get("keywords")),
                   production_companies=dash_list(row.get("production_companies")))
