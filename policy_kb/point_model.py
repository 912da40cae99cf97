"""A classifier over the answer points' questions: which point a question's words point to.

The lexical overlap of policy_kb/point_match.py compares a question with one phrasing at a
time; this model learns from all the phrasings of every point at once which characters and
pairs tell one point from another (multinomial logistic regression on tf-idf weighted grams).
It is fitted in about a second on first use and shared by every index over the same points
(the fingerprint of the points' questions is the key), so a staff search or a review measure
that builds its own PointIndex pays nothing more.
"""
from __future__ import annotations

import hashlib
import threading
import warnings
from typing import Callable

_FITTED: dict[str, "PointClassifier"] = {}
_LOCK = threading.Lock()


def _identity(grams: list[str]) -> list[str]:
    return grams


class PointClassifier:
    def __init__(self, examples: list[tuple[str, set[str]]], c: float):
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        matrix = self.vectorizer.fit_transform([sorted(g) for _, g in examples])
        labels = [pid for pid, _ in examples]
        self.model = None
        if len(set(labels)) >= 2:
            with warnings.catch_warnings():
                # a few passes of saga reach the ranking of a converged fit (tests/dev), at a
                # tenth of the time
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.model = LogisticRegression(C=c, solver="saga", max_iter=15, tol=1e-2,
                                                random_state=0).fit(matrix, labels)

    def probabilities(self, grams: set[str]) -> dict[str, float]:
        """Each point's probability for a question's grams (empty without a model)."""
        if self.model is None:
            return {}
        row = self.model.predict_proba(self.vectorizer.transform([sorted(grams)]))[0]
        return dict(zip(self.model.classes_, (float(p) for p in row)))


def fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def classifier(key: str, examples: Callable[[], list[tuple[str, set[str]]]], c: float) -> PointClassifier:
    """The classifier fitted on `examples()` ((point id, grams) pairs) for `key`, the
    fingerprint of what they are made of; fitted once per process."""
    with _LOCK:
        if key not in _FITTED:
            _FITTED[key] = PointClassifier(examples(), c)
        return _FITTED[key]
