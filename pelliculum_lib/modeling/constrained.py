"""Constrained decoding over a prefix tree of catalogue titles (the D3 "Decoding Matters" idea).

An answer is ``Title, Title, ..., Title<|im_end|>``. Each title is stored in a token trie
exactly as the model saw it in training — the first one without a leading space, the
others with one, each ending either with its comma (``"Airplane!,"`` is one pre-token, so
the trie holds ``tok(label + ",")``) or with ``<|im_end|>``. At every step only tokens that
keep the answer inside the trie are allowed, so every returned title exists; a title
already given, or the query film, can no longer be completed; after ``max_titles`` titles
only the end of turn remains.

:class:`TitleConstraint` is used as transformers' ``prefix_allowed_tokens_fn``; its
:meth:`~TitleConstraint.replay` also turns generated token ids back into film ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

CONTINUE, STOP = 0, 1  # a title followed by more titles, or the last title


class Node:
    __slots__ = ("children", "counts", "ends")

    def __init__(self) -> None:
        self.children: dict[int, Node] = {}
        self.counts = [0, 0]  # title endings of each kind in this subtree
        self.ends: list[tuple[int, int]] = []  # (kind, film id) of titles ending here


@dataclass
class TitleTrie:
    """Token tries of titles: ``roots[0]`` for the first title, ``roots[1]`` after a comma."""

    roots: tuple[Node, Node]
    paths: dict[int, tuple[list[list[int]], list[list[int]]]] = field(repr=False)  # film -> paths per root
    films: int = 0

    @classmethod
    def build(cls, labels: dict[int, str], tokenizer: PreTrainedTokenizerBase, end_token_id: int) -> "TitleTrie":
        """``labels``: film id -> the title as answers write it."""
        roots = (Node(), Node())
        paths: dict[int, tuple[list[list[int]], list[list[int]]]] = {f: ([], []) for f in labels}
        films, texts = list(labels), list(labels.values())
        for position, prefix in enumerate(("", " ")):
            continued = tokenizer([prefix + t + "," for t in texts], add_special_tokens=False).input_ids
            final = tokenizer([prefix + t for t in texts], add_special_tokens=False).input_ids
            for film, cont_ids, stop_ids in zip(films, continued, final):
                for kind, ids in ((CONTINUE, cont_ids), (STOP, stop_ids + [end_token_id])):
                    node = roots[position]
                    node.counts[kind] += 1
                    for token in ids:
                        node = node.children.setdefault(token, Node())
                        node.counts[kind] += 1
                    node.ends.append((kind, film))
                    paths[film][position].append(ids)
        return cls(roots, paths, len(labels))


@dataclass
class State:
    """Where a partial answer stands: finished titles and the trie node of the current one."""

    films: list[int]
    node: Node | None  # None once the answer is finished (or left the trie)
    path: list[int]  # tokens of the current title so far
    position: int  # 0: first title, 1: a later one
    finished: bool = False


class TitleConstraint:
    """Allowed next tokens for answers made only of catalogue titles."""

    def __init__(self, trie: TitleTrie, end_token_id: int, max_titles: int = 8):
        self.trie = trie
        self.end = end_token_id
        self.max_titles = max_titles
        self.prompt_length = 0
        self.excluded: list[set[int]] = []

    def start(self, prompt_length: int, excluded: list[set[int]]) -> "TitleConstraint":
        """A constraint for one batch (sharing this trie): the padded prompt length, and the
        films to exclude per row. Safe to use from several threads at once."""
        bound = TitleConstraint(self.trie, self.end, self.max_titles)
        bound.prompt_length, bound.excluded = prompt_length, excluded
        return bound

    # -- walking generated tokens ------------------------------------------------------
    def walk(self, tokens: list[int], final: bool = False) -> State:
        """The state after ``tokens``. A comma that may end a title *or* continue a longer one
        ("The Good," -> "The Good, the Bad and the Ugly") is decided by the next token;
        ``final`` closes such a pending title at the end of the answer."""
        state = State([], self.trie.roots[0], [], 0)
        for token in tokens:
            if state.finished or state.node is None:
                break
            node = state.node.children.get(token)
            if node is None and self._pending(state) is not None:
                self._close(state, self._pending(state))
                node = state.node.children.get(token)
            if node is None:
                state.node = None
                break
            state.path.append(token)
            state.node = node
            if node.ends and not node.children:
                self._close(state, node.ends[0])
        if final and state.node is not None and (pending := self._pending(state)) is not None:
            self._close(state, pending)
        return state

    @staticmethod
    def _pending(state: State) -> tuple[int, int] | None:
        if state.node is None or not state.path:
            return None
        return next((end for end in state.node.ends if end[0] == CONTINUE), None)

    def _close(self, state: State, end: tuple[int, int]) -> None:
        kind, film = end
        state.films.append(film)
        state.path = []
        if kind == STOP:
            state.finished, state.node = True, None
        else:
            state.position, state.node = 1, self.trie.roots[1]

    def films(self, tokens: list[int]) -> list[int]:
        """Film ids of a generated answer, in order."""
        return self.walk(tokens, final=True).films

    # -- allowed tokens ----------------------------------------------------------------
    def _open(self, node: Node, path: list[int], position: int, excluded: set[int], titles: int) -> list[int]:
        """Children of ``node`` under which at least one allowed title ending remains."""
        # A title may end with its comma only if another title can follow: fewer than max_titles so
        # far, and at least one other film still available (not used, not excluded).
        remaining = self.trie.films - sum(1 for f in excluded if f in self.trie.paths)
        can_continue = titles + 1 < self.max_titles and remaining > 1
        allowed = []
        blocked = [self.trie.paths[f][position] for f in excluded if f in self.trie.paths]
        for token, child in node.children.items():
            prefix = path + [token]
            n = len(prefix)
            left = [child.counts[CONTINUE] if can_continue else 0, child.counts[STOP]]
            for film_paths in blocked:
                for kind, ids in enumerate(film_paths):
                    if len(ids) >= n and ids[:n] == prefix and (kind == STOP or can_continue):
                        left[kind] -= 1
            if left[CONTINUE] > 0 or left[STOP] > 0:
                allowed.append(token)
        return allowed

    def allowed(self, row: int, tokens: list[int]) -> list[int]:
        """Token ids allowed after the generated ``tokens`` of batch row ``row``."""
        state = self.walk(tokens)
        if state.finished or state.node is None:
            return [self.end]
        excluded = set(state.films) | (self.excluded[row] if row < len(self.excluded) else set())
        allowed = self._open(state.node, state.path, state.position, excluded, len(state.films))
        pending = self._pending(state)
        if pending is not None and pending[1] not in excluded and len(state.films) + 1 < self.max_titles:
            # The title may end at this comma: a new title can start too.
            allowed += [t for t in self._open(self.trie.roots[1], [], 1, excluded | {pending[1]},
                                              len(state.films) + 1) if t not in allowed]
        return allowed or [self.end]

    def __call__(self, batch_id: int, input_ids) -> list[int]:
        return self.allowed(batch_id, input_ids[self.prompt_length:].tolist())
