"""A fitted TF-IDF vocabulary as plain data: scikit-learn fits it, the service applies it.

``TermWeights.transform`` weighs new text exactly as the fitted ``TfidfVectorizer`` of the
retriever would (lowercase, tokens of two or more word characters, English stop words
dropped, ``1 + log(tf)``, idf, l2 norm), so the service reads the vocabulary back from the
artifact without importing scikit-learn.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cached_property

import numpy as np
import scipy.sparse as sp

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


class TermWeights:
    """Terms in column order, their idf, and the stop words dropped before counting."""

    def __init__(self, terms: list[str], idf: np.ndarray, stop_words: frozenset[str]):
        self.terms, self.idf, self.stop_words = terms, idf, stop_words

    @classmethod
    def from_sklearn(cls, vectorizer) -> "TermWeights":
        """Copy a fitted ``TfidfVectorizer`` that uses the defaults this class reproduces."""
        expected = {"analyzer": "word", "lowercase": True, "strip_accents": None, "ngram_range": (1, 1),
                    "token_pattern": TOKEN.pattern, "sublinear_tf": True, "norm": "l2", "use_idf": True}
        changed = {k: getattr(vectorizer, k) for k, v in expected.items() if getattr(vectorizer, k) != v}
        if changed or vectorizer.preprocessor is not None or vectorizer.tokenizer is not None:
            raise ValueError(f"unsupported vectorizer settings: {changed}")
        terms = [""] * len(vectorizer.vocabulary_)
        for term, column in vectorizer.vocabulary_.items():
            terms[column] = term
        return cls(terms, np.asarray(vectorizer.idf_, dtype=np.float64), frozenset(vectorizer.get_stop_words() or ()))

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """Term -> column (built at first use)."""
        return {term: column for column, term in enumerate(self.terms)}

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """One l2-normalised TF-IDF row per text (float64)."""
        data, indices, indptr = [], [], [0]
        for text in texts:
            counts = Counter(self.vocabulary[token] for token in TOKEN.findall(text.lower())
                             if token not in self.stop_words and token in self.vocabulary)
            columns = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
            weights = (np.log([counts[c] for c in columns.tolist()]) + 1.0) * self.idf[columns] if len(columns) \
                else np.empty(0)
            norm = np.sqrt(np.square(weights).sum())
            data.append(weights / norm if norm > 0 else weights)
            indices.append(columns)
            indptr.append(indptr[-1] + len(columns))
        return sp.csr_matrix((np.concatenate(data) if data else np.empty(0), np.concatenate(indices) if indices
                              else np.empty(0, dtype=np.int64), indptr), shape=(len(texts), len(self.terms)))
