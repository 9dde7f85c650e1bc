"""Writes behind /api/alerts and /api/topics, built on the editor's and the alerts page's services.

- :func:`acknowledge_alert` and :func:`resolve_alert` change the status through
  :mod:`goodwill.insights.services` (locked, checked, audited as on the page) and keep an
  optional note, verbatim, as an ``alert.note`` audit entry in the same transaction.
- :func:`replace_taxonomy` stores a whole taxonomy document as one new version, with the
  editor's validation of every topic (its errors name the topic and the field) and the
  editor's storage: the first edit keeps the packaged taxonomy as version 1, old versions
  never change, the topic cache is refreshed, and the change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from goodwill.accounts import services as account_services
from goodwill.analysis.topics import Topic
from goodwill.insights import selectors, services
from goodwill.insights.models import Alert, TaxonomyVersion

NOTE_ACTION = "alert.note"
MAX_NOTE_CHARS = 2000


# ----------------------------------------------------------------------------- alerts


def _with_note(change: Any, *, alert: Alert, actor: Any, note: str) -> Alert:
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"note: at most {MAX_NOTE_CHARS} characters, got {len(note)}")
    with transaction.atomic():
        changed: Alert = change(alert=alert, actor=actor)
        if note:
            account_services.audit(
                actor=actor,
                action=NOTE_ACTION,
                target=changed,
                data={"note": note, "status": changed.status},
            )
    return changed


def acknowledge_alert(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    """Acknowledge an open alert (ValueError otherwise), keeping ``note`` if one is given."""
    return _with_note(services.acknowledge_alert, alert=alert, actor=actor, note=note)


def resolve_alert(*, alert: Alert, actor: Any, note: str = "") -> Alert:
    """Resolve an open or acknowledged alert (ValueError otherwise), keeping ``note``."""
    return _with_note(services.resolve_alert, alert=alert, actor=actor, note=note)


# ----------------------------------------------------------------------------- taxonomy


class TaxonomyDocumentError(ValueError):
    """A document was refused; ``errors`` maps each bad field (``topics[2].keywords``) to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{path}: {why}" for path, why in errors.items()))
        self.errors = errors


class StaleTaxonomyError(ValueError):
    """The document was written against a version that is no longer the newest."""

    def __init__(self, base: int, current: int) -> None:
        super().__init__(
            f"base_version: the document was based on version {base}, but version {current} "
            "is now in use; read it again (GET /api/topics) and re-apply the change"
        )
        self.base = base
        self.current = current


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    keywords: Sequence[str] = ()
    examples: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class TaxonomyChange:
    """What :func:`replace_taxonomy` did; ``version`` None: the packaged default is in use."""

    version: TaxonomyVersion | None
    created: bool
    added: list[str]
    removed: list[str]
    edited: list[str]


def _form(spec: TopicSpec) -> services.TopicForm:
    # The editor's normalisation (one item a line: spaces collapsed, blanks and repeats dropped).
    def lines(values: Sequence[str]) -> str:
        return "\n".join(" ".join(v.split()) for v in values)

    return services.TopicForm.from_text(
        name=spec.name, keywords=lines(spec.keywords), examples=lines(spec.examples)
    )


def validate_document(topics: Sequence[TopicSpec], example_threshold: float) -> list[Topic]:
    """Every topic checked as the editor checks one; all problems reported at once."""
    errors: dict[str, str] = {}
    accepted: list[Topic] = []
    named: list[Topic] = []  # every earlier topic with a name, refused or not: no duplicates
    if not topics:
        errors["topics"] = "a taxonomy needs at least one topic"
    for i, spec in enumerate(topics):
        form = _form(spec)
        topic = Topic(name=form.name, keywords=form.keywords, examples=form.examples)
        who = f"topic {i + 1} ({form.name!r})" if form.name else f"topic {i + 1}"
        try:
            services._validate(form, named)
        except services.TopicError as exc:
            errors[f"topics[{i}].{exc.field}" if exc.field else "topics"] = f"{who}: {exc.message}"
        else:
            accepted.append(topic)
        if form.name:
            named.append(topic)
    if not 0.0 < example_threshold <= 1.0:
        errors["example_threshold"] = f"a cosine similarity in (0, 1], got {example_threshold!r}"
    if errors:
        raise TaxonomyDocumentError(errors)
    return accepted


def _key(topic: Topic) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return topic.name, tuple(topic.keywords), tuple(topic.examples)


def _newest_number() -> int:
    return int(TaxonomyVersion.objects.aggregate(n=Max("number"))["n"] or 0)


@transaction.atomic
def replace_taxonomy(
    *,
    actor: Any,
    topics: Sequence[TopicSpec],
    example_threshold: float | None = None,
    note: str = "",
    base_version: int | None = None,
) -> TaxonomyChange:
    """Make ``topics`` (in this order) the taxonomy in use, as one new version.

    ``example_threshold`` None keeps the current one. ``base_version`` (0 for the packaged
    default) refuses the change if another edit was stored since the document was read.
    A document equal to the taxonomy in use stores nothing (``created`` False).
    """
    # Lock the newest version so that two concurrent saves are checked one after the other.
    list(TaxonomyVersion.objects.select_for_update().order_by("-number")[:1])
    current_number = _newest_number()
    if base_version is not None and base_version != current_number:
        raise StaleTaxonomyError(base_version, current_number)
    current = selectors.current_taxonomy()
    threshold = current.example_threshold if example_threshold is None else example_threshold
    wanted = validate_document(topics, threshold)

    old = {t.name: _key(t) for t in current.topics}
    new = {t.name: _key(t) for t in wanted}
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    edited = [name for name in new if name in old and new[name] != old[name]]
    if [_key(t) for t in wanted] == [_key(t) for t in current.topics] and (
        threshold == current.example_threshold
    ):
        return TaxonomyChange(selectors.current_version(), False, [], [], [])

    summary = "; ".join(
        f"{verb} {', '.join(repr(n) for n in names)}"
        for verb, names in (("added", added), ("removed", removed), ("edited", edited))
        if names
    )
    if threshold != current.example_threshold:
        summary = "; ".join(filter(None, (summary, f"example threshold {threshold:g}")))
    text = " ".join(note.split()) or f"replaced over the API: {summary or 'topics reordered'}"
    try:
        with transaction.atomic():  # a savepoint: the transaction stays usable after a clash
            services._editable()  # the first edit keeps the packaged taxonomy as version 1
            version = services._store(wanted, actor=actor, note=text, threshold=threshold)
    except IntegrityError:
        # Another save took the next number between our read and our write.
        raise StaleTaxonomyError(current_number, _newest_number()) from None
    except ValueError as exc:  # the loader's own check of the whole taxonomy
        raise TaxonomyDocumentError({"topics": str(exc)}) from None
    account_services.audit(
        actor=actor,
        action="taxonomy.replaced",
        target=version,
        data={
            "version": version.number,
            "added": added,
            "removed": removed,
            "edited": edited,
            "example_threshold": threshold,
            "note": text,
        },
    )
    return TaxonomyChange(version, True, added, removed, edited)
