"""Entities and facts from a user's message (Chinese, colloquial or keyword style).

``extract_entities(text) -> list[{entity, value, start, end, text}]``
``extract_facts(text) -> dict``  (fact names of docs/contracts.md)

How it works: spaCy's blank Chinese pipeline (jieba segmenter) tokenises the text; the
tokens are then re-cut so that every known word (facts.yml synonyms + the extra words in
policy_kb/entity_patterns.yml) and every duration / year phrase is exactly one token; an
EntityRuler labels the known words, with the normalised value as the pattern id. Durations
("5年", "五年", "满五年", "一年半", "3年多", "６年") and notice years ("2024年") come
from regular expressions. All words live in the YAML files; this module only applies them.

Bad input (not a string, empty, huge, emoji) gives ``[]`` / ``{}``, never an exception.
"""
from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policy_kb.facts import years_from_parts

HERE = Path(__file__).resolve().parent
PATTERNS_PATH = HERE / "entity_patterns.yml"
FACTS_PATH = HERE / "facts.yml"
MAX_CHARS = 1000  # longer messages are cut: nobody types a 1,000-character question

# Length-preserving normalisation: offsets in the result refer to the original text.
_WIDTH = str.maketrans(
    "０１２３４５６７８９．　ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
    "0123456789. ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
_TITLE_RANK = {"无": 0, "员级": 1, "助理级": 2, "中级": 3, "副高级": 4, "正高级": 5}
_CN_NUM = "零〇一二两俩三四五六七八九十百"
_NUM = rf"(?:\d+(?:\.\d+)?|[{_CN_NUM}]+)"
_DURATION_RE = re.compile(
    rf"(?P<pre>已经满|已满|满了|满|足|将近|接近|近|快|不到|不足|差不多|大约|大概|约)?"
    rf"(?<![\d.{_CN_NUM}])"
    rf"(?:"
    rf"(?P<y>{_NUM})(?:多|几)?个?(?:周年|年)(?P<half>半)?(?:多)?(?:零?(?P<ym>{_NUM})个?月)?"
    rf"|(?P<m>{_NUM})(?:多)?个(?:多)?月"
    rf"|(?<![{_CN_NUM}\d])半年"
    rf")"
    rf"(?P<post>左右|以上|多)?"
    rf"(?![^\s，。,.!！?？；;]{{0,2}}?[\d{_CN_NUM}几]+次|级|度|代|底|初|末)"
)
_NOTICE_YEAR_RE = re.compile(
    r"(?<![\d.])(?P<y4>20\d{2})年(?:度)?(?!\s*\d{1,2}\s*月)"
    r"|(?<![\d.])(?P<y2>[12]\d)年(?=的?(?:通知|文件|政策|职称|评审|申报|安排|规定|工作|截止|什么时候))"
)
_NUMBER_FACTS = {"years_worked", "years_at_location", "years_since_skill", "years_since_transfer",
                 "rural_service_years", "series_transfer_years"}
_RECENT_RE = re.compile(r"的|内|来|以来|年度|考核|业绩|工作总结|继续教育")
_APPROX_BELOW = {"将近", "接近", "近", "快", "不到", "不足"}
_CLAUSE_SPLIT_RE = re.compile(r"[，,。；;！!？?\n、]|(?<!\d)\.(?!\d)")


@dataclass
class Vocabulary:
    """Everything read from the YAML files, ready to match."""

    terms: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # word -> [(entity, value)]
    ambiguous: dict[str, dict] = field(default_factory=dict)
    not_entities: set[str] = field(default_factory=set)
    regexes: list[tuple[str, str, re.Pattern]] = field(default_factory=list)
    cues: dict[str, list[str]] = field(default_factory=dict)
    title_series: dict[str, str] = field(default_factory=dict)  # title word -> series


def _read_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _words(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [str(v).strip() for v in values if str(v).strip()]


def load_vocabulary(patterns_path: Path = PATTERNS_PATH, facts_path: Path = FACTS_PATH) -> Vocabulary:
    """Merge facts.yml (values + synonyms) with entity_patterns.yml."""
    spec = _read_yaml(patterns_path)
    facts = (_read_yaml(facts_path).get("facts") or {})
    vocab = Vocabulary()
    excluded = set(_words(spec.get("not_in_free_text")))
    priority = _words(spec.get("entity_priority"))
    candidates: dict[str, list[tuple[str, str]]] = {}

    def add(word: str, entity: str, value: str) -> None:
        if not word or word in excluded:
            return
        pairs = candidates.setdefault(word, [])
        if (entity, value) not in pairs:
            pairs.append((entity, value))

    for entity, fact_names in (spec.get("from_facts") or {}).items():
        for fact_name in _words(fact_names):
            fact = facts.get(fact_name) or {}
            for value in _words(fact.get("values")):
                add(value, entity, value)
            for value, words in (fact.get("synonyms") or {}).items():
                for word in _words(words):
                    add(word, entity, str(value))
    for entity, by_value in (spec.get("terms") or {}).items():
        for value, words in (by_value or {}).items():
            for word in _words(words):
                add(word, entity, str(value))

    rank = {name: i for i, name in enumerate(priority)}
    for word, pairs in candidates.items():
        # one entity per word: the most important entity type first; within a type the
        # first value found (facts.yml before the extra words)
        best: dict[str, str] = {}
        for entity, value in pairs:
            best.setdefault(entity, value)
        vocab.terms[word] = sorted(best.items(), key=lambda kv: rank.get(kv[0], len(rank)))
    for word, rule in (spec.get("ambiguous") or {}).items():
        if isinstance(rule, dict) and isinstance(rule.get("default"), dict):
            vocab.ambiguous[str(word)] = rule
            vocab.terms.setdefault(str(word), [(rule["default"]["entity"], str(rule["default"]["value"]))])
    vocab.not_entities = set(_words(spec.get("not_entities")))
    for item in spec.get("regex") or []:
        try:
            vocab.regexes.append((str(item["entity"]), str(item["value"]), re.compile(item["pattern"])))
        except (KeyError, TypeError, re.error):
            continue
    vocab.cues = {str(k): _words(v) for k, v in (spec.get("cues") or {}).items()}
    for series, words in (spec.get("title_series") or {}).items():
        for word in _words(words):
            vocab.title_series[word] = str(series)
    return vocab


def _alternation(words: list[str]) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words))


def _duration_value(match: re.Match) -> float | None:
    if match.group("y") is not None:
        years = years_from_parts(match.group("y"), bool(match.group("half")), match.group("ym"))
    elif match.group("m") is not None:
        years = years_from_parts(None, False, match.group("m"))
    else:  # 半年
        years = 0.5
    if years is None:
        return None
    if match.group("pre") in _APPROX_BELOW:
        years = max(years - 0.1, 0.0)
    return round(years, 2)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


class EntityFinder:
    """spaCy (blank zh, jieba) + EntityRuler over the words of the vocabulary."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        self.vocab = vocab or load_vocabulary()
        all_words = list(self.vocab.terms) + sorted(self.vocab.not_entities)
        self._word_re = _alternation(all_words)
        self._cue_res: dict[tuple[str, ...], re.Pattern | None] = {}
        self._nlp = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ spaCy pipeline
    def _pipeline(self):
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    import logging

                    import jieba
                    import spacy

                    jieba.setLogLevel(logging.WARNING)
                    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
                    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": False, "validate": False})
                    patterns = []
                    for word, pairs in self.vocab.terms.items():
                        entity, value = pairs[0]
                        label = "AMBIGUOUS" if word in self.vocab.ambiguous else entity
                        patterns.append({"label": label, "pattern": [{"ORTH": word}], "id": value})
                    ruler.add_patterns(patterns)
                    self._nlp = nlp
        return self._nlp

    def _atomic_spans(self, text: str) -> list[tuple[int, int, str | None, str | None]]:
        """Spans that must be single tokens: (start, end, entity or None, value or None)."""
        spans: list[tuple[int, int, str | None, str | None]] = []
        taken = [False] * len(text)

        def free(s: int, e: int) -> bool:
            return not any(taken[s:e])

        def take(s: int, e: int, entity: str | None, value: str | None) -> None:
            for i in range(s, e):
                taken[i] = True
            spans.append((s, e, entity, value))

        for entity, value, pattern in self.vocab.regexes:
            for m in pattern.finditer(text):
                # a group named "span" marks the entity inside a longer match ("认定(助理)")
                start, end = m.span("span") if "span" in pattern.groupindex else m.span()
                if end > start and free(start, end):
                    found = text[start:end].replace("(", "（").replace(")", "）") if value == "{match}" else value
                    take(start, end, entity, found)
        for m in _NOTICE_YEAR_RE.finditer(text):
            if free(m.start(), m.end()):
                year = m.group("y4") or ("20" + m.group("y2"))
                take(m.start(), m.end(), "notice_year", year)
        for m in _DURATION_RE.finditer(text):
            if m.group("pre") == "近" and _RECENT_RE.match(text, m.end()):
                continue  # "近三年考核表": the last three years, not how long someone worked
            if m.end() > m.start() and free(m.start(), m.end()):
                value = _duration_value(m)
                if value is not None and value <= 80:
                    take(m.start(), m.end(), "duration", _fmt(value))
        if self._word_re is not None:
            masked = "".join("\x00" if t else ch for ch, t in zip(text, taken))
            for m in self._word_re.finditer(masked):
                take(m.start(), m.end(), None, None)
        return sorted(spans)

    def _doc(self, text: str):
        from spacy.tokens import Doc, Span
        from spacy.util import get_words_and_spaces

        nlp = self._pipeline()
        base = nlp.make_doc(text)
        spans = self._atomic_spans(text)
        cuts = {0, len(text)}
        for tok in base:
            cuts.update((tok.idx, tok.idx + len(tok.text)))
        inside = set()
        for s, e, _, _ in spans:
            inside.update(range(s + 1, e))
            cuts.update((s, e))
        cuts = sorted(c for c in cuts if c not in inside)
        pieces = [text[a:b] for a, b in zip(cuts, cuts[1:])]
        words = [p for p in pieces if p.strip()]
        if not words:
            return None, []
        words, spaces = get_words_and_spaces(words, text)
        doc = Doc(nlp.vocab, words=words, spaces=spaces)
        values: dict[tuple[int, int], str] = {}
        ents = []
        for s, e, entity, value in spans:
            if entity is None:
                continue
            span = doc.char_span(s, e, label=entity)
            if span is not None:
                ents.append(span)
                values[(s, e)] = value
        doc.ents = ents
        doc = nlp.get_pipe("entity_ruler")(doc)
        return doc, values

    # ------------------------------------------------------------ public API
    def entities(self, text: Any) -> list[dict]:
        if not isinstance(text, str) or not text.strip():
            return []
        text = text[:MAX_CHARS]
        norm = text.translate(_WIDTH)
        doc, values = self._doc(norm)
        if doc is None:
            return []
        found = []
        for ent in doc.ents:
            s, e = ent.start_char, ent.end_char
            word = norm[s:e]
            if word in self.vocab.not_entities:
                continue
            entity, value = ent.label_, values.get((s, e)) or ent.ent_id_ or word
            if entity == "AMBIGUOUS":
                entity, value = self._resolve(norm, s, e, word)
            found.append({"entity": entity, "value": value, "start": s, "end": e, "text": text[s:e]})
        return found

    def _resolve(self, text: str, start: int, end: int, word: str) -> tuple[str, str]:
        rule = self.vocab.ambiguous[word]
        after, before = text[end:end + 4], text[max(0, start - 4):start]
        for option in rule.get("rules") or []:
            if any(after.startswith(w) for w in _words(option.get("followed_by"))) or any(
                before.endswith(w) for w in _words(option.get("preceded_by"))
            ):
                return str(option["entity"]), str(option["value"])
        return str(rule["default"]["entity"]), str(rule["default"]["value"])

    def _ends_with_cue(self, window: str, name: str) -> int:
        """Length of the longest cue of list `name` the window ends with (0 if none)."""
        return max((len(w) for w in self.vocab.cues.get(name, []) if window.endswith(w)), default=0)

    def _cue_hits(self, text: str, names: tuple[str, ...]) -> list[tuple[int, int, str]]:
        """(start, end, list name) of the cues of the lists `names` found in `text`.

        The lists are matched together, leftmost-longest, so "没评过" (first time) hides
        the "评过" inside it and "评上" (current) hides "评" (target)."""
        if names not in self._cue_res:
            self._cue_res[names] = _alternation([w for n in names for w in self.vocab.cues.get(n, [])])
        pattern = self._cue_res[names]
        if pattern is None:
            return []
        hits = []
        for m in pattern.finditer(text):
            owner = next(n for n in names if m.group() in self.vocab.cues.get(n, []))
            hits.append((m.start(), m.end(), owner))
        return hits

    def _has_cue(self, text: str, name: str) -> bool:
        return bool(self._cue_hits(text, (name,)))

    def facts(self, text: Any, requested: str | None = None) -> dict:
        """Facts in `text`. `requested` (optional) is the fact a form just asked for: a title
        or a duration with no cue word then goes to that fact ("中级" answering "您现在是
        什么职称？" is the current title)."""
        if not isinstance(text, str) or not text.strip():
            return {}
        text = text[:MAX_CHARS]
        norm = text.translate(_WIDTH)
        ents = [e for e in self.entities(text) if not self._negated(norm, e)]
        facts: dict[str, Any] = {}
        clauses = self._clauses(norm)
        titles = []
        series_from_title = None
        for ent in ents:
            kind, value = ent["entity"], ent["value"]
            if kind in ("education", "employer_type", "location", "status", "skill_level", "series", "award"):
                facts[kind] = value
            elif kind == "study_mode":
                facts["full_time"] = value == "全日制"
            elif kind == "title":
                titles.append(ent)
                series_from_title = series_from_title or self.vocab.title_series.get(ent["text"].translate(_WIDTH))
        if series_from_title and "series" not in facts:
            facts["series"] = series_from_title
        self._title_facts(norm, titles, facts, requested)
        self._duration_facts(norm, ents, clauses, facts, requested)
        self._bool_facts(norm, facts)
        return facts

    # ------------------------------------------------------------ fact helpers
    def _negated(self, text: str, ent: dict) -> bool:
        before = text[max(0, ent["start"] - 4):ent["start"]]
        return self._ends_with_cue(before, "negation_before") > 0 and ent["entity"] != "duration"

    @staticmethod
    def _clauses(text: str) -> list[tuple[int, int]]:
        bounds, start = [], 0
        for m in _CLAUSE_SPLIT_RE.finditer(text):
            bounds.append((start, m.start()))
            start = m.end()
        bounds.append((start, len(text)))
        return bounds

    def _title_facts(self, text: str, titles: list[dict], facts: dict, requested: str | None = None) -> None:
        roles: list[tuple[dict, str | None]] = []
        prev_end = 0
        for ent in titles:
            if ent["value"] == "无":
                roles.append((ent, "current"))
                prev_end = ent["end"]
                continue
            window = text[prev_end:ent["start"]]
            clause_start = max((m.end() for m in _CLAUSE_SPLIT_RE.finditer(window)), default=0)
            window = window[clause_start:]
            after = text[ent["end"]:ent["end"] + 6]
            after = after[2:] if after.startswith("职称") else after
            role = self._role_from_window(window)
            if role is None and self._starts_with_cue(after, "title_current_after"):
                role = "current"
            roles.append((ent, role))
            prev_end = ent["end"]
        unknown = [i for i, (_, r) in enumerate(roles) if r is None]
        if len(roles) == 2 and len(unknown) == 2:
            low, high = sorted(range(2), key=lambda i: _TITLE_RANK.get(roles[i][0]["value"], 0))
            roles[low], roles[high] = (roles[low][0], "current"), (roles[high][0], "target")
        default = "current" if requested == "current_title" else "target"
        for ent, role in roles:
            if role is None:
                role = default if f"{default}_title" not in facts else ({"current": "target", "target": "current"}[default])
            if role == "target" and ent["value"] in ("无", "员级"):
                role = "current"
            facts["current_title" if role == "current" else "target_title"] = ent["value"]

    def _starts_with_cue(self, text: str, name: str) -> bool:
        return any(text.startswith(w) for w in self.vocab.cues.get(name, []))

    def _role_from_window(self, window: str) -> str | None:
        """The cue nearest to the title decides; 是/有 alone yield to any other cue."""
        weak = {"是", "有", "我是", "本人是"}
        hits = self._cue_hits(window, ("title_current_before", "title_target_before"))
        strong = [h for h in hits if window[h[0]:h[1]] not in weak]
        chosen = max(strong or hits, key=lambda h: (h[1], h[1] - h[0]), default=None)
        if chosen is None:
            return None
        return "current" if chosen[2] == "title_current_before" else "target"

    def _duration_facts(self, text: str, ents: list[dict], clauses: list[tuple[int, int]], facts: dict,
                        requested: str | None = None) -> None:
        worked_explicit = False
        at_location = None
        for ent in ents:
            if ent["entity"] != "duration":
                continue
            if self._ends_with_cue(text[max(0, ent["start"] - 4):ent["start"]], "duration_ignored_before") \
                    or self._starts_with_cue(text[ent["end"]:], "duration_ignored_after"):
                continue
            value = float(ent["value"])
            number = int(value) if value.is_integer() else value
            cs, _ = next(((s, e) for s, e in clauses if s <= ent["start"] < e + 1), (0, len(text)))
            before = text[cs:ent["start"]]
            clause_ents = [o for o in ents if cs <= o["start"] < ent["start"]]
            months_phrase = "月" in ent["text"] and "年" not in ent["text"]
            if self._has_cue(before, "rural_service_duration"):
                if months_phrase:
                    facts["rural_service_months_this_year"] = int(round(value * 12))
                else:
                    facts["rural_service_years"] = number
            elif self._has_cue(before, "series_transfer_duration"):
                facts["series_transfer_years"] = number
            elif any(o["entity"] == "skill_level" for o in clause_ents) or self._has_cue(before, "skill_duration"):
                facts["years_since_skill"] = number
            elif any(o["entity"] == "status" and o["value"] in ("公务员调入企事业", "军转安置") for o in clause_ents) \
                    or self._has_cue(before, "transfer_duration"):
                facts["years_since_transfer"] = number
            elif any(o["entity"] == "location" for o in clause_ents):
                facts["years_at_location"] = number
                at_location = number
            elif requested in _NUMBER_FACTS and requested not in facts:
                facts[requested] = number  # a bare duration answers the question asked
                worked_explicit = requested == "years_worked"
            else:
                facts["years_worked"] = number
                worked_explicit = True
        if at_location is not None and not worked_explicit:
            facts["years_worked"] = at_location

    def _bool_facts(self, text: str, facts: dict) -> None:
        for fact in ("postdoc", "epidemic_frontline", "exam_passed", "central_unit",
                     "first_application", "full_time", "city_teacher_or_doctor"):
            hits = self._cue_hits(text, (f"{fact}_true", f"{fact}_false"))
            if hits:
                facts[fact] = hits[-1][2].endswith("_true")


_FINDER: EntityFinder | None = None
_FINDER_LOCK = threading.Lock()


def default_finder() -> EntityFinder:
    """The shared finder built from the repository's YAML files (built once)."""
    global _FINDER
    if _FINDER is None:
        with _FINDER_LOCK:
            if _FINDER is None:
                _FINDER = EntityFinder()
    return _FINDER


def extract_entities(text: Any) -> list[dict]:
    """Entities of docs/contracts.md in `text`: [{entity, value, start, end, text}]."""
    return default_finder().entities(text)


def extract_facts(text: Any, requested: str | None = None) -> dict:
    """Facts of docs/contracts.md stated in `text` (only those found). `requested`: the
    fact a form just asked for, used when the words alone do not decide."""
    return default_finder().facts(text, requested)


if __name__ == "__main__":  # python -m policy_kb.extract "本科在民企干了6年能报中级吗"
    import json

    for arg in sys.argv[1:]:
        print(json.dumps({"text": arg, "entities": extract_entities(arg), "facts": extract_facts(arg)},
                         ensure_ascii=False, indent=1))
