"""Which answer point a question asks about: the one ranking of the answer layer.

Two signals, weighted in policy_kb/ranking.yml: Rasa's ResponseSelector (the `faq` retrieval
intent trained on the points' questions) and the lexical overlap of the question with each
point's questions. The lexical side also works alone, for messages the NLU did not classify
as policy questions (fallback, staff search).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import yaml
from scipy.sparse import csr_matrix

from . import paths, point_model, question_kind, text

_NOISE = set("的了吗呢啊吧么呀哈是我你他她它们这那个要能可以怎么咋啥什么哪几多少请问一下想问问？?，,。！!、 ~…")


@lru_cache(maxsize=1)
def settings() -> dict:
    return yaml.safe_load((paths.package_dir() / "ranking.yml").read_text(encoding="utf-8"))


def idf_weights(variants: list[list[set[str]]]) -> dict[str, float]:
    """How telling each gram is: log(1 + N / (df + 0.5)) over the N points (df: the points whose
    questions hold the gram). "职称", "申报" tell little; "快递", "工资" (in no point) tell most."""
    df: Counter = Counter()
    for grams_of_point in variants:
        df.update(set().union(*grams_of_point) if grams_of_point else set())
    n = max(len(variants), 1)
    return {g: math.log(1 + n / (c + 0.5)) for g, c in df.items()} | {"": math.log(1 + n / 0.5)}


def grams(value: str) -> set[str]:
    """Characters and character pairs of a text, without particles and punctuation; a notice
    year ("2024年", "22年") is one token, so that "2024年…" shares nothing with "2020年…"."""
    chars: list[str] = []
    value = text.normalise(value or "")
    at = 0
    for m in question_kind.YEAR.finditer(value):
        chars += [c for c in value[at:m.start()] if c not in _NOISE and not c.isspace()]
        chars.append(f"<{question_kind.year_of(m)}>")
        at = m.end()
    chars += [c for c in value[at:] if c not in _NOISE and not c.isspace()]
    return {a + b for a, b in zip(chars, chars[1:])} | set(chars)


def vague(question: str) -> bool:
    """One word ("证书", "表格"): too little to tell which point or clause is meant; the closest
    points are offered instead of a guess. A word with what is asked of it ("热线多少": a number
    to call) is a question, unless nothing but the ask is left ("几份")."""
    chars = len({g for g in grams(question) if len(g) == 1})
    return chars < settings()["point"]["min_chars"] and (chars < 2 or not question_kind.kinds(question))


def _first_cite(match: "Match") -> str:
    return str((match.point.get("cites") or [""])[0])


def _years_held(point: dict, cited: set[int]) -> set[int]:
    """The notice years a point answers for: those of the notices it cites, within the years its
    rule held (`holds`): a 2022 rule that cites the 2024 clause only to say what changed does not
    answer for 2024."""
    held = point.get("holds") or {}
    first, last = str(held.get("from") or "0000")[:4], str(held.get("until") or "9999")[:4]
    return {y for y in cited if first <= str(y) <= last}


@dataclass
class Match:
    point: dict
    score: float
    nlu: float
    lexical: float


_INDEXES: dict[tuple, "PointIndex"] = {}
_INDEX_LOCK = threading.Lock()


class _OverlapMatrix:
    """Every phrasing as a row of idf weights over the grams: the weighted overlap of a question
    with all phrasings is one sparse product, the best phrasing of each point one reduction."""

    def __init__(self, variants: dict[str, list[set[str]]], idf: dict[str, float]):
        self.column = {g: j for j, g in enumerate(sorted(g for g in idf if g))}
        rows, cols, values, self.owners, starts, self.row_weight = [], [], [], [], [], []
        for pid, grams_of_point in variants.items():
            kept = [g for g in grams_of_point if g]
            if not kept:
                continue
            self.owners.append(pid)
            starts.append(len(self.row_weight))
            for found in kept:
                r = len(self.row_weight)
                for gram in found:
                    rows.append(r)
                    cols.append(self.column[gram])
                    values.append(idf[gram])
                self.row_weight.append(sum(idf[gram] for gram in found))
        self.starts = np.array(starts, dtype=np.int64)
        self.row_weight = np.array(self.row_weight)
        self.matrix = csr_matrix((values, (rows, cols)), shape=(len(self.row_weight), len(self.column)))

    def _shared(self, found: set[str]):
        vector = np.zeros(len(self.column))
        vector[[self.column[g] for g in found if g in self.column]] = 1.0
        return self.matrix @ vector

    def best(self, plain: set[str], w_plain: float, wide: set[str], w_wide: float) -> dict[str, float]:
        """Each point's best Dice score over its phrasings (the wide grams, with synonyms, at 0.9)."""
        if not self.owners:
            return {}
        scores = np.maximum(2 * self._shared(plain) / (w_plain + self.row_weight),
                            0.9 * 2 * self._shared(wide) / (w_wide + self.row_weight))
        return dict(zip(self.owners, np.maximum.reduceat(scores, self.starts).tolist()))


class PointIndex:
    """The points of a knowledge base, ready for matching."""

    def __init__(self, points: list[dict], synonyms: dict[str, list[str]] | None = None,
                 doc_years: dict[str, int] | None = None):
        self.points = {p["id"]: p for p in points}
        self.synonyms = synonyms or {}
        # the newest notice's year ("现在…" asks about it), and the years of the notices each point cites
        self.newest = max((doc_years or {}).values(), default=None)
        years_of = lambda cid: (doc_years or {}).get(str(cid).split(":")[0])
        self.cited_years = {pid: _years_held(p, {years_of(c) for c in p.get("cites") or []} - {None})
                            for pid, p in self.points.items()}
        # the last day a point's rule held (`holds: {until: …}`: an older notice's), if it ended
        self.until = {pid: str(p["holds"]["until"]) for pid, p in self.points.items()
                      if (p.get("holds") or {}).get("until")}
        self._grams = {pid: [grams(q) for q in p.get("questions") or []] for pid, p in self.points.items()}
        self._idf = idf_weights(list(self._grams.values()))
        self._overlap = _OverlapMatrix(self._grams, self._idf)

    def weight(self, found: set[str]) -> float:
        unseen = self._idf[""]
        return sum(self._idf.get(g, unseen) for g in found)

    @classmethod
    def of_kb(cls, kb) -> "PointIndex":
        """The answer points of a knowledge base, with its synonyms and notice years."""
        years = {d["id"]: int(d["year"]) for d in kb.documents() if d.get("year")}
        return cls(kb.answer_points(), kb.synonyms(), years)

    @classmethod
    def for_kb(cls, kb) -> "PointIndex":
        """The index of a knowledge-base file, built once per version of the file (a rebuilt
        KB gets a new one): for the actions and the staff console, which ask on every message."""
        key = (str(kb.path), kb.version())
        with _INDEX_LOCK:
            index = _INDEXES.get(key)
        if index is None:
            index = cls.of_kb(kb)
            with _INDEX_LOCK:
                while len(_INDEXES) >= 4:  # a few KB files or versions per process at most
                    _INDEXES.pop(next(iter(_INDEXES)))
                _INDEXES[key] = index
        return index

    def expand(self, question: str) -> set[str]:
        """The question's grams plus those of the synonyms of words it contains."""
        found = grams(question)
        norm = text.normalise(question)
        for key, values in self.synonyms.items():
            if key and key in norm:
                for value in values:
                    found |= grams(value)
        return found

    def classifier(self) -> point_model.PointClassifier:
        """The classifier of all the points' questions (policy_kb/point_model.py); looked up
        once per index, not on every question."""
        if getattr(self, "_classifier", None) is not None:
            return self._classifier
        c = settings()["point"]["learned_c"]
        key = point_model.fingerprint(sorted((pid, tuple(p.get("questions") or [])) for pid, p in self.points.items()),
                                      sorted((k, tuple(v)) for k, v in self.synonyms.items()), c)
        self._classifier = point_model.classifier(key, lambda: [(pid, self.features(q)) for pid, p in self.points.items()
                                                    for q in p.get("questions") or []], c)
        return self._classifier

    def features(self, question: str) -> set[str]:
        """What the classifier reads of a question: its grams with synonyms, and what it asks
        for ("?when", "?copies": policy_kb/question_kinds.yml)."""
        return self.expand(question) | {"?" + k for k in question_kind.kinds(question)}

    def lexical(self, question: str) -> dict[str, float]:
        """Each point's lexical score: the best overlap with one of its questions, blended with
        the classifier's probability relative to its first choice (weight `learned_weight`)."""
        plain = grams(question)
        wide = self.expand(question)
        w_plain, w_wide = self.weight(plain), self.weight(wide)
        learned_weight = settings()["point"]["learned_weight"]
        probabilities = self.classifier().probabilities(self.features(question)) if learned_weight else {}
        # relative to the first choice, and in full only when that choice is likely enough: a
        # question about something else spreads the probability thin
        top_probability = max(max(probabilities.values(), default=0.0), settings()["point"]["learned_sure"])
        # the classifier sees only grams some point's questions hold: it counts in the share of
        # the question's weight it has seen ("考研" in a question about something else: unseen)
        seen = self.weight({g for g in wide if g in self._idf}) / max(w_wide, 1e-9)
        learned_weight *= seen ** settings()["point"]["seen_power"]
        # Dice coefficient with each phrasing, each gram weighted by how telling it is
        # (idf_weights); the synonyms' grams count 0.9
        best = self._overlap.best(plain, w_plain, wide, w_wide)
        out = {}
        for pid in self.points:
            learned = probabilities.get(pid, 0.0) / top_probability
            out[pid] = (1 - learned_weight) * best.get(pid, 0.0) + learned_weight * learned
        return out

    def rank(self, question: str, nlu_ranking: list[dict] | None = None, today: dt.date | None = None) -> list[Match]:
        """Points for a question, best first. `nlu_ranking`: the ResponseSelector's ranking
        ([{"point": id, "confidence": c}]); None when the NLU gave none. The selector's
        confidence counts relative to its best point (its softmax over some 250 labels is
        spread thin: the rank carries the signal, not the size). `today`: the day the answer
        is for (a rule that ended before it yields); the system date when not given."""
        cfg = settings()["point"]
        day = (today or dt.date.today()).isoformat()
        lexical = self.lexical(question)
        nlu = {r["point"]: float(r.get("confidence") or 0) for r in nlu_ranking or [] if r.get("point") in self.points}
        top_conf = max(nlu.values(), default=0.0) or 1.0
        nlu = {pid: conf / top_conf for pid, conf in nlu.items()}
        top_lex = sorted(lexical, key=lexical.get, reverse=True)[: cfg["candidates"]]
        top_nlu = sorted(nlu, key=nlu.get, reverse=True)[: cfg["candidates"]]
        named = question_kind.years_asked(question, self.newest)
        # "今年…", "现在…" with no year named: every rule still in force answers for now, not only
        # the points citing the newest notice (the 2020 materials list still holds)
        now_only = named == {self.newest} and not question_kind.years_named(question)
        out = []
        for pid in dict.fromkeys(top_nlu + top_lex):
            if not nlu:
                score = lexical[pid]
            else:
                score = cfg["nlu_weight"] * nlu.get(pid, 0.0) + cfg["lexical_weight"] * lexical[pid]
            if named and (self.cited_years.get(pid, set()) & named or now_only and pid not in self.until):
                score += cfg["year_bonus"]  # "2020年…", "22年全区…": that notice's points first
            elif named and pid in self.until and self.cited_years.get(pid):
                score -= cfg["other_year_penalty"]  # "2022年…": a rule that held only in 2020 yields
            elif named and self.newest not in named and self.cited_years.get(pid) and not self.cited_years[pid] & named:
                score -= cfg["past_year_penalty"]  # "2020年…": a rule of other notices only yields
            elif not named and self.until.get(pid, "9999") < day:
                score -= cfg["ended_penalty"]  # no year named: the rules in force first
            out.append(Match(self.points[pid], score, nlu.get(pid, 0.0), lexical[pid]))
        return sorted(out, key=lambda m: m.score, reverse=True)

    def follow_ups(self, answered: dict | None, others: list[Match], limit: int = 2) -> list[dict]:
        """The points to suggest after an answer ("猜你想问"): the closest ones on the answered
        point's topic first (a follow-up on the same subject), then any close point."""
        cfg = settings()["point"]
        topic = (answered or {}).get("topic")
        same = [m for m in others if topic and m.point.get("topic") == topic and m.score >= cfg["follow_up"]]
        close = [m for m in others if m.score >= cfg["offer"] and m not in same]
        return [m.point for m in (same + close)[:limit] if not answered or m.point["id"] != answered.get("id")]

    def decide(self, question: str, nlu_ranking: list[dict] | None = None,
               today: dt.date | None = None) -> tuple[Match | None, list[Match]]:
        """(the point that answers, or None; the points worth offering as choices)."""
        cfg = settings()["point"]
        ranked = self.rank(question, nlu_ranking, today)
        if not ranked:
            return None, []
        accept = cfg["accept"] if nlu_ranking else cfg["accept_lexical"]
        best = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if vague(question):
            pass
        elif best.score >= cfg["strong_accept"] or (best.score >= accept and best.score - second >= cfg["margin"]):
            return best, ranked[1:]
        elif best.score >= accept and _first_cite(best) and _first_cite(best) == _first_cite(ranked[1]):
            return best, ranked[1:]  # a near tie between two points resting on the same clause

        offers = [m for m in ranked if m.score >= cfg["offer"]][: cfg["offer_max"]]
        return None, offers
