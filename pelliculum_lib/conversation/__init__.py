"""The conversation layer: understand a message, narrow the catalogue, rank, explain, remember.

``request`` (what was asked) <- ``understanding`` (message -> request) ; ``facts`` (which
films satisfy it, in which order) ; ``explain`` (why a film) ; ``dialogue`` (turns and
conversations). It sits on the recommenders and the retriever, below the service.
"""

from __future__ import annotations

from typing import Callable

from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import Catalogue
from pelliculum_lib.recommending.meaning import FilmVectors, MeaningBuild, title_matches
from pelliculum_lib.recommending.retrieval import Retriever
from pelliculum_lib.conversation.lexicon import MOODS, THEME_WORDS
from pelliculum_lib.data.titles import TitleResolver
from pelliculum_lib.conversation.dialogue import (ConversationFull, ConversationStore, Dialogue, NothingToRemove,
                                                  NotShown, Reply, UnknownConversation)
from pelliculum_lib.conversation.facts import FilmFacts
from pelliculum_lib.conversation.reading import Reader
from pelliculum_lib.conversation.request import Constraint, Request
from pelliculum_lib.conversation.understanding import Parser, PeopleIndex, Understood, detect_language

__all__ = ["ConversationFull", "ConversationStore", "Constraint", "Dialogue", "FilmFacts", "NothingToRemove",
           "NotShown", "Parser", "PeopleIndex", "Reply", "Request", "UnknownConversation", "Understood", "build_dialogue",
           "detect_language"]


def build_dialogue(catalogue: Catalogue, retriever: Retriever, resolver: TitleResolver,
                   recommend: Callable[[int], list[int]], settings: Settings,
                   search_titles: Callable[[str], list[int]] | None = None,
                   meaning: MeaningBuild | FilmVectors | None = None, reader_model=None) -> Dialogue:
    """The conversation layer for a loaded catalogue, retriever, recommender and (optionally) film vectors and the
    phase-5 reader model (:class:`~pelliculum_lib.modeling.reader.ModelReader`, read as ``settings.reader`` says)."""
    facts = FilmFacts(catalogue, retriever, meaning)
    vocabulary = retriever.terms.vocabulary if retriever.terms is not None else {}

    def translations(text: str) -> list[int]:  # titles said in another language, once their vectors are built
        titles = meaning.titles if isinstance(meaning, MeaningBuild) else None
        return title_matches(titles, text) if titles is not None else []

    parser = Parser(resolver, PeopleIndex({name: len(rows) for name, rows in facts.by_person.items()}),
                    known_word=lambda word: word in vocabulary or word in THEME_WORDS or word in MOODS,
                    translations=translations)
    store = ConversationStore(settings.conversations, settings.conversation_seconds, settings.conversation_turns)
    reader = None
    if reader_model is not None:
        labels = facts.labels
        reader = Reader(reader_model, resolver, parser.people,
                        lambda film: labels[facts.row[film]] if film in facts.row else str(film))
    return Dialogue(parser, facts, recommend, settings.max_titles, store, search_titles, reader=reader,
                    reading=settings.reader if reader is not None else "rules")
