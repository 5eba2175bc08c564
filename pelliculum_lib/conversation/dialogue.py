"""Conversations: turns that remember the last request, bounded in number, age and length.

``Dialogue.reply`` takes a message (or a constraint to remove) and a conversation id, and
answers with films that satisfy every hard constraint, a reason for each, the constraints it
understood, and a reply in the user's language. "more" continues the last request without
repeating any film of the conversation; refinements narrow it; "why" explains an answer.
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Literal

from pelliculum_lib.conversation.critiques import DIRECTIONS
from pelliculum_lib.conversation.explain import reason, shared_facts, constraint_facts
from pelliculum_lib.conversation.facts import FilmFacts
from pelliculum_lib.conversation.reading import explained, merged
from pelliculum_lib.conversation.request import Constraint, Language, Request
from pelliculum_lib.conversation.understanding import Parser


class UnknownConversation(LookupError):
    """The conversation id is unknown or expired (HTTP 404)."""


class ConversationFull(RuntimeError):
    """The conversation reached its turn limit (HTTP 409)."""


class NothingToRemove(ValueError):
    """``remove`` names no constraint of the conversation's current request (HTTP 422)."""


class NotShown(ValueError):
    """A card action (``field``: more_like or not_for_me) names a film this conversation has not shown (HTTP 422)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


#: What the conversation layer can do beyond one request; the simulated users switch each off to measure it.
FEATURES = frozenset({"critiques", "several", "memory"})
#: At most this many liked and rejected films are kept per conversation (the oldest go first).
MEMORY = 12


@dataclass
class Conversation:
    id: str
    language: Language = "en"
    request: Request | None = None
    last: list[int] = field(default_factory=list)  # films of the last answer, in order
    shown: set[int] = field(default_factory=set)  # every film shown in this conversation
    rejected: set[int] = field(default_factory=set)  # "not the third one", "déjà vu": never shown again
    turns: int = 0
    updated: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class ConversationStore:
    """Conversations by unguessable id, in memory: at most ``limit``, forgotten after ``ttl`` idle seconds."""

    def __init__(self, limit: int = 2_000, ttl: float = 3_600.0, max_turns: int = 100):
        self.limit, self.ttl, self.max_turns = limit, ttl, max_turns
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self, now: float) -> None:
        while self._items:
            oldest = next(iter(self._items.values()))
            if now - oldest.updated <= self.ttl and len(self._items) <= self.limit:
                break
            self._items.popitem(last=False)

    def open(self, conversation_id: str | None) -> Conversation:
        """The conversation ``conversation_id`` (404 if unknown or expired), or a new one for ``None``."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if conversation_id is None:
                conversation = Conversation(secrets.token_urlsafe(18))
                self._items[conversation.id] = conversation
                self._expire(now)
                return conversation
            conversation = self._items.get(conversation_id)
            if conversation is None:
                raise UnknownConversation("Unknown or expired conversation: start a new one (omit conversation_id).")
            self._items.move_to_end(conversation_id)
            conversation.updated = now
            return conversation


#: What a reply is: films ("ok"), fewer than asked, none left for "more", an answer to "why", an unknown film
#: (suggestions given), or nothing to recommend from (the reply asks).
ReplyStatus = Literal["ok", "fewer", "more_none", "explain", "unknown", "no_film"]


@dataclass
class Reply:
    conversation_id: str
    language: Language
    text: str
    status: ReplyStatus
    film: int | None = None
    constraints: list[Constraint] = field(default_factory=list)
    films: list[tuple[int, str]] = field(default_factory=list)  # (film id, reason)
    suggestions: list[int] = field(default_factory=list)
    alternatives: list[int] = field(default_factory=list)


TEXT = {
    "en": {
        "film": "Since you liked {film}, here are {n} films you might enjoy:",
        "fuzzy": "I understood “{film}”. Here are {n} films you might enjoy:",
        "film_constraints": "Here are {n} films like {film} ({desc}):",
        "constraints": "Here are {n} films ({desc}):",
        "fewer": "Only {n} films in my catalogue match all of this ({desc}).",
        "one": "Only one film in my catalogue matches all of this ({desc}).",
        "drop": " Remove “{chip}” to see other films.",
        "relax_many": " Even without any one of these constraints, nothing would match: remove two or more.",
        "none": "No film in my catalogue matches all of this ({desc}).",
        "relax": " Without “{chip}”, {count} films would match: remove it to see them.",
        "more": "Here are {n} more:",
        "more_none": "That is every film I have for this request; remove a constraint to see others.",
        "why": "{film}: {reason}",
        "why_none": "Ask me for films first; then I can tell you why I chose one.",
        "why_out": "My last answer has no film number {n}.",
        "rejected": "Noted: not {film}.",
        "rejected_chip": "not {film}",
        "alternatives": " Other films have this title: {others}. Add the year to choose one.",
        "unknown": "I could not find that film in my catalogue. Did you mean one of these: {suggestions}?",
        "unknown_alone": "I could not find that film in my catalogue. Could you check the title?",
        "nothing": "Tell me a film you liked, or what you feel like: a genre, an actor, a decade, a mood — "
                   "e.g. “a dark sci-fi thriller from the 90s” or “films like Heat”.",
        "empty": "I found {film} but have no recommendations for it yet.",
    },
    "fr": {
        "film": "Puisque vous avez aimé {film}, voici {n} films qui pourraient vous plaire :",
        "fuzzy": "J’ai compris « {film} ». Voici {n} films qui pourraient vous plaire :",
        "film_constraints": "Voici {n} films comme {film} ({desc}) :",
        "constraints": "Voici {n} films ({desc}) :",
        "fewer": "Seuls {n} films de mon catalogue correspondent à tout cela ({desc}).",
        "one": "Un seul film de mon catalogue correspond à tout cela ({desc}).",
        "drop": " Retirez « {chip} » pour voir d’autres films.",
        "relax_many": " Même sans l’un de ces critères, rien ne correspondrait : retirez-en au moins deux.",
        "none": "Aucun film de mon catalogue ne correspond à tout cela ({desc}).",
        "relax": " Sans « {chip} », {count} films correspondraient : retirez-le pour les voir.",
        "more": "En voici {n} autres :",
        "more_none": "Je n’ai plus d’autre film pour cette demande ; retirez un critère pour en voir d’autres.",
        "why": "{film} : {reason}",
        "why_none": "Demandez-moi d’abord des films ; je pourrai ensuite expliquer mes choix.",
        "why_out": "Ma dernière réponse n’a pas de film numéro {n}.",
        "rejected": "C’est noté : pas {film}.",
        "rejected_chip": "pas {film}",
        "alternatives": " D’autres films portent ce titre : {others}. Précisez l’année pour en choisir un.",
        "unknown": "Je ne trouve pas ce film dans mon catalogue. Vouliez-vous dire : {suggestions} ?",
        "unknown_alone": "Je ne trouve pas ce film dans mon catalogue. Pouvez-vous vérifier le titre ?",
        "nothing": "Dites-moi un film que vous avez aimé, ou ce dont vous avez envie : un genre, un acteur, une "
                   "décennie, une ambiance — par exemple « un thriller de science-fiction sombre des années 90 » "
                   "ou « des films comme Heat ».",
        "empty": "J’ai trouvé {film}, mais je n’ai pas encore de recommandations pour lui.",
    },
}


def _seed(conversation: Conversation) -> int:
    """The seed of a "surprise me" in this turn: the same conversation and turn draw the same films."""
    return zlib.crc32(f"{conversation.id}:{conversation.turns}".encode())


def _bound(request: Request, low: str, high: str, value: int, upper: bool) -> None:
    """Sets the upper (``upper``) or lower bound of a range to ``value``, dropping the other bound when the range
    would be empty ("older" than the 80s films shown, within the 80s: the lower bound goes)."""
    setattr(request, high if upper else low, value)
    other = getattr(request, low if upper else high)
    if other is not None and (other > value if upper else other < value):
        setattr(request, low if upper else high, None)


class Dialogue:
    """The conversation layer over the recommender: understand, narrow, rank, explain, remember."""

    def __init__(self, parser: Parser, facts: FilmFacts, recommend: Callable[[int], list[int]], n: int = 8,
                 store: ConversationStore | None = None, search_titles: Callable[[str], list[int]] | None = None,
                 features: frozenset[str] = FEATURES, reader: Callable[[str, Request | None], Request | None] | None = None,
                 reading: str = "rules"):
        """``reader``: the phase-5 model (message, current request -> request or None); ``reading``: ``rules``,
        ``model`` (every message) or ``hybrid`` (the messages the rules leave unexplained)."""
        self.parser, self.facts, self.recommend, self.n = parser, facts, recommend, n
        self.store = store if store is not None else ConversationStore()
        self.search_titles = search_titles
        self.features = frozenset(features)
        self.reader, self.reading = reader, reading if reader is not None else "rules"
        self.model_reads = 0

    def understand(self, message: str, state: Request | None = None):
        """The message's reading by the rules, completed (``hybrid``) or replaced (``model``) by the model's when
        it answers in time; the rules' reading otherwise."""
        understood = self.parser.parse(message)
        if self.reading == "rules" or (self.reading == "hybrid" and explained(understood, message)):
            return understood
        read = self.reader(message, state)
        if read is None:
            return understood
        self.model_reads += 1
        if self.reading == "model":
            read.description = understood.request.description if read.film is None and not read.people else None
            understood.request = read
        else:
            understood.request = merged(understood.request, read, message)
        if understood.request.film is not None:
            understood.attempted, understood.suggestions = "", []
        return understood

    # -- helpers ------------------------------------------------------------------------------
    def _label(self, film: int | None) -> str | None:
        row = self.facts.row.get(film) if film is not None else None
        return None if row is None else self.facts.labels[row]

    def _named(self, film: int) -> str:
        label = self._label(film) or str(film)
        year = self.facts.year[self.facts.row[film]] if film in self.facts.row else float("nan")
        return label if year != year or str(int(year)) in label else f"{label} ({int(year)})"

    def _chips(self, conversation: Conversation, request: Request, language: Language) -> list[Constraint]:
        """The request's constraints, the other liked films and the rejected films, as the page shows them."""
        liked = {f: self._label(f) or str(f) for f in request.liked}
        chips = request.constraints(language, self._label(request.film), liked)
        for film in conversation.rejected:
            chips.append(Constraint(f"rejected:{film}", "rejected",
                                    self._t(language, "rejected_chip", film=self._label(film) or str(film))))
        return chips

    def _direct(self, request: Request, directions: list[str], basis: list[int], seed: int) -> Request:
        """Directional critiques resolved against ``basis`` (the films just shown, or the reference film): "lighter"
        keeps films lighter than their median tone; with nothing to compare, each direction's own threshold."""
        for name in directions:
            direction = DIRECTIONS[name]
            if direction.measure == "surprise":
                request.lean(name, float(seed))
                continue
            values = [v for f in basis if (v := self.facts.value(direction.measure, f)) == v]
            request.lean(name, float(statistics.median(values)) if values else direction.absolute)
        return request

    def _liked_names(self, request: Request, language: Language) -> str:
        """"Amélie and Midnight in Paris (2011)": the reference film and the other liked films."""
        names = [self._named(f) for f in [request.film, *request.liked] if f is not None]
        if len(names) < 2:
            return names[0] if names else ""
        return ", ".join(names[:-1]) + (" et " if language == "fr" else " and ") + names[-1]

    def _relative(self, request: Request, relative: str, last: list[int]) -> Request:
        """"older" / "plus récent": years before / after the last answer's median (or the reference film's year);
        "shorter" / "longer": a runtime cap 15 minutes under (a floor 15 minutes over) the last answer's median."""
        if relative in ("shorter", "longer"):
            films = last or ([request.film] if request.film is not None else [])
            runtimes = [r for f in films if f in self.facts.row and (r := self.facts.runtime[self.facts.row[f]]) == r]
            median = int(statistics.median(runtimes)) if runtimes else (110 if relative == "shorter" else 100)
            shorter = relative == "shorter"
            _bound(request, "min_runtime", "max_runtime", max(60, median - 15) if shorter else median + 15, shorter)
            return request
        def known(films: list[int]) -> list[float]:
            return [y for f in films if f in self.facts.row and (y := self.facts.year[self.facts.row[f]]) == y]

        # the last answer's years ("older" than what was just shown); else the reference film's; else its
        # recommendations' (a film of unknown year)
        years = known(last) or known([request.film] if request.film is not None else []) or \
            (known(self.recommend(request.film)) if request.film is not None else [])
        if not years:
            return request
        pivot = int(statistics.median(years))
        older = relative == "older"
        _bound(request, "year_min", "year_max", pivot - 1 if older else pivot + 1, older)
        return request

    def _t(self, language: Language, kind: str, **values) -> str:
        return TEXT[language][kind].format(**values)

    # -- one turn -------------------------------------------------------------------------------
    def reply(self, message: str | None, conversation_id: str | None = None, remove: str | None = None,
              more_like: int | None = None, not_for_me: int | None = None) -> Reply:
        """One turn: a message, a chip removed (``remove``), or a card's "more like this" / "not for me"."""
        conversation = self.store.open(conversation_id)
        with conversation.lock:
            if conversation.turns >= self.store.max_turns:
                raise ConversationFull(f"This conversation reached its {self.store.max_turns} turns: start a new one "
                                       "(omit conversation_id).")
            conversation.turns += 1
            if remove is not None:
                return self._remove(conversation, remove)
            if more_like is not None or not_for_me is not None:
                return self._card(conversation, more_like if more_like is not None else not_for_me,
                                  "pivot" if more_like is not None else "reject")
            return self._message(conversation, message or "")

    def _remove(self, conversation: Conversation, key: str) -> Reply:
        request = conversation.request
        keys = {c.key for c in self._chips(conversation, request, "en")} if request else set()
        if request is None or key not in keys:
            raise NothingToRemove(f"'{key}' is not a constraint of this conversation's last request"
                                  + (f" (it has: {', '.join(sorted(keys))})." if keys else " (it has none)."))
        if key.startswith("rejected:"):  # the film may come back
            conversation.rejected.discard(int(key.partition(":")[2]))
            return self._answer(conversation, request, conversation.language)
        return self._answer(conversation, request.without(key), conversation.language)

    def _card(self, conversation: Conversation, film: int, action: str) -> Reply:
        """A card's button: the same critique as "more like the Nth one" / "not the Nth one", for that film."""
        if film not in conversation.shown:
            raise NotShown("more_like" if action == "pivot" else "not_for_me", f"Film {film} was not shown in this "
                           "conversation: a card action names a film of its answers.")
        if film not in conversation.last:  # a card of an earlier answer: it becomes the film critiqued
            conversation.last = [film] + conversation.last
        asked = Request(action=action, position=conversation.last.index(film) + 1)
        return self._critique(conversation, asked, conversation.language)

    def _message(self, conversation: Conversation, message: str) -> Reply:
        understood = self.understand(message, conversation.request)
        language = understood.said or (conversation.language if conversation.turns > 1 else understood.language)
        conversation.language = language
        asked = understood.request
        previous = conversation.request
        if "several" not in self.features:  # one liked film at a time: the first named, or the one just added
            if asked.liked and asked.film is None:
                asked.film, asked.action = asked.liked[0], "new"
            asked.liked = []
        if "critiques" not in self.features and (asked.action in ("pivot", "reject") or asked.directions):
            asked.action, asked.directions = ("more" if previous is not None else "new"), []  # not understood
        seed = _seed(conversation)
        if asked.action == "more":
            if previous is None:
                return Reply(conversation.id, language, self._t(language, "nothing"), "no_film")
            return self._answer(conversation, previous, language, more=True)
        if asked.action == "why":
            return self._why(conversation, asked, language)
        if asked.action in ("pivot", "reject"):
            return self._critique(conversation, asked, language)
        if asked.action == "refine" and previous is not None:
            request = previous.refined(asked)
            if request.film is None and request.liked:  # "j'ai aussi adoré Zodiac" after a request without a film
                request.film, request.liked = request.liked[0], request.liked[1:]
            request.liked = request.liked[-MEMORY:]
            if asked.relative:
                request = self._relative(request, asked.relative, conversation.last)
            if asked.directions:
                basis = conversation.last or ([request.film] if request.film is not None else [])
                request = self._direct(request, asked.directions, basis, seed)
            # films already shown may stay when they fit a direction ("more famous ones" after the most famous);
            # a surprise and a newly liked film bring only new films
            return self._answer(conversation, request, language, fresh=bool(asked.liked) or "surprise" in asked.directions)
        if asked.film is None and asked.liked:  # "I also loved X" opening a conversation
            asked.film, asked.liked = asked.liked[0], asked.liked[1:]
        asked.action = "new"
        if asked.relative and asked.film is not None:  # "like Alien but more recent"
            asked = self._relative(asked, asked.relative, [])
        asked.relative = None
        if asked.directions:  # "like Alien but lighter" (than Alien), "a horror film that is not too scary"
            asked = self._direct(asked, asked.directions, [asked.film] if asked.film is not None else [], seed)
            asked.directions = []
        if asked.film is None and (understood.attempted or not asked.has_constraints):
            found = self._search(understood.attempted or message) if understood.attempted or \
                understood.suggestions else None
            if found is None and not asked.has_constraints:
                return self._unknown(conversation, understood, language)
            if found is not None:  # a film named but unknown offline, found on TMDb
                asked.film = found
                understood.resolution = None
        match = understood.resolution.status if understood.resolution is not None else "exact"
        alternatives = understood.resolution.alternatives[:3] if understood.resolution is not None else []
        return self._answer(conversation, asked, language, match=match, alternatives=alternatives)

    def _critique(self, conversation: Conversation, asked: Request, language: Language) -> Reply:
        """"More like the second one" (the next answer pivots on that film, the constraints kept) or "not the
        third one" (never shown again; the same request answered with other films)."""
        last, previous = conversation.last, conversation.request
        if not last or previous is None:
            return Reply(conversation.id, language, self._t(language, "why_none"), "no_film")
        position = len(last) if asked.position == -1 else asked.position or 1
        if not 1 <= position <= len(last):
            return Reply(conversation.id, language, self._t(language, "why_out", n=position), "explain",
                         constraints=self._chips(conversation, previous, language))
        film = last[position - 1]
        if asked.action == "reject":
            if "memory" in self.features:
                conversation.rejected.add(film)
                while len(conversation.rejected) > MEMORY:
                    conversation.rejected.discard(next(iter(conversation.rejected)))
            reply = self._answer(conversation, previous, language, more=True)
            reply.text = self._t(language, "rejected", film=self._named(film)) + " " + reply.text
            return reply
        request = previous.refined(asked)
        # "more like the third one; I also loved John Carter": that film, with the films this message liked
        named = [f for f in ([asked.film] if asked.film is not None else []) + asked.liked if f != film]
        request.film, request.liked, request.vibe = film, named if "several" in self.features else [], False
        if asked.relative:
            request = self._relative(request, asked.relative, [])
        if asked.directions:  # "like the third one but lighter": lighter than that film
            request = self._direct(request, asked.directions, [film], _seed(conversation))
        return self._answer(conversation, request, language, fresh=True)

    def _search(self, query: str) -> int | None:
        """An unknown title looked up on TMDb (French or English): the first result the catalogue has."""
        if self.search_titles is None or not query.strip():
            return None
        for film in self.search_titles(query):
            if film in self.facts.row:
                return film
        return None

    def _unknown(self, conversation: Conversation, understood, language: Language) -> Reply:
        suggestions = [s for s in understood.suggestions if s in self.facts.row]
        if suggestions:
            text = self._t(language, "unknown", suggestions=", ".join(self._label(s) for s in suggestions))
            return Reply(conversation.id, language, text, "unknown", suggestions=suggestions)
        if understood.attempted:
            return Reply(conversation.id, language, self._t(language, "unknown_alone"), "unknown")
        return Reply(conversation.id, language, self._t(language, "nothing"), "no_film")

    def _why(self, conversation: Conversation, asked: Request, language: Language) -> Reply:
        last = conversation.last
        if not last or conversation.request is None:
            return Reply(conversation.id, language, self._t(language, "why_none"), "no_film")
        if asked.film is not None and asked.film in last:
            position = last.index(asked.film) + 1
        else:
            position = asked.position or 1
        if position == -1:
            position = len(last)
        if not 1 <= position <= len(last):
            return Reply(conversation.id, language, self._t(language, "why_out", n=position), "explain",
                         constraints=self._chips(conversation, conversation.request, language))
        film = last[position - 1]
        request = conversation.request
        parts = constraint_facts(self.facts, film, request, language)
        if request.film is not None:
            parts += shared_facts(self.facts, request.film, film, language)
        why = reason(self.facts, film, request, language, limit=0) if not parts else \
            "; ".join(dict.fromkeys(parts)) + "."
        why = why[:1].upper() + why[1:]
        return Reply(conversation.id, language, self._t(language, "why", film=self._named(film), reason=why), "explain",
                     film=request.film, constraints=self._chips(conversation, request, language),
                     films=[(film, why)])

    def _answer(self, conversation: Conversation, request: Request, language: Language, more: bool = False,
                match: str = "exact", alternatives: list[int] | None = None, fresh: bool = False) -> Reply:
        """``more``: continue the last request; ``fresh``: a new answer without the films already shown."""
        exclude = (set(conversation.shown) if more or fresh else set()) | conversation.rejected
        first = None
        if request.film is not None and not more and not request.liked and not request.leanings \
                and not (request.vibe and self.facts.vectors is not None):
            first = self.recommend(request.film)  # the recommender's own answer leads (cached, possibly the LLM's)
        ranked = self.facts.rank(request, self.n, exclude=exclude, first=first, avoid=conversation.rejected)
        if fresh and len(ranked.ids) < self.n:  # too few new films: films already shown may come back
            again = self.facts.rank(request, self.n, exclude=conversation.rejected, first=first,
                                    avoid=conversation.rejected)
            ranked.ids += [f for f in again.ids if f not in ranked.ids][:self.n - len(ranked.ids)]
            ranked.relax = again.relax
        chips = self._chips(conversation, request, language)
        desc = " · ".join(c.label for c in chips if c.slot not in ("film", "liked", "rejected"))
        films = [(film, reason(self.facts, film, request, language)) for film in ranked.ids]
        n = len(films)
        if more:
            text = self._t(language, "more", n=n) if n else self._t(language, "more_none")
            status = "ok" if n else "more_none"
        elif request.hard and n < self.n:
            text = self._t(language, "fewer" if n > 1 else "one" if n else "none", n=n, desc=desc)
            status = "fewer"
        elif request.film is not None and not request.has_constraints:
            if not n:
                text, status = self._t(language, "empty", film=self._named(request.film)), "ok"
            else:
                text = self._t(language, "fuzzy" if match == "fuzzy" and not request.liked else "film",
                               film=self._liked_names(request, language), n=n)
                status = "ok"
        elif request.film is not None:
            text, status = self._t(language, "film_constraints", n=n, film=self._liked_names(request, language),
                                   desc=desc), "ok"
        else:
            text, status = self._t(language, "constraints", n=n, desc=desc), "ok"
        if ranked.relax is not None and status in ("fewer", "more_none"):
            chip = next((c.label for c in chips if c.key == ranked.relax[0]), ranked.relax[0])
            hard = [c for c in chips if c.slot not in ("film", "mood", "liked", "rejected", "surprise")]
            if len(hard) == 1:
                text += self._t(language, "drop", chip=chip)
            elif ranked.relax[1] > n:
                text += self._t(language, "relax", chip=chip, count=ranked.relax[1])
            else:
                text += self._t(language, "relax_many")
        if alternatives and not more:  # before the list's colon: "Other films have this title: ... Since you..."
            others = ", ".join(self._named(a) for a in alternatives)
            text = self._t(language, "alternatives", others=others).strip() + " " + text
        conversation.request = request
        conversation.last = [f for f, _ in films]
        conversation.shown.update(conversation.last)
        return Reply(conversation.id, language, text, status, request.film, chips, films,
                     alternatives=list(alternatives or []))
