"""Writes of a school's subject list by its leader: add, change (rename, switch off), merge.
Each in one transaction with its audit entry; the summary names subjects by code."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from portal import audit
from students import hooks
from students.models import Score, Signal, Subject

FIELDS = ("code", "name", "is_core", "counts_for_promotion", "result_kind", "is_active", "aliases")


def clean_aliases(aliases, *, own=()):
    """Aliases without blanks, duplicates, or the subject's own code and name."""
    seen, kept = {a.strip().casefold() for a in own}, []
    for alias in aliases:
        alias = alias.strip()
        if alias and alias.casefold() not in seen:
            seen.add(alias.casefold())
            kept.append(alias)
    return kept


@transaction.atomic
def add_subject(*, actor, school, data):
    subject = Subject.objects.create(school=school, **{f: data[f] for f in FIELDS if f in data})
    audit.record(user=actor, school=school, action=audit.Action.CREATE, obj=subject,
                 summary=f"vak {subject.code} toegevoegd")
    return subject


@transaction.atomic
def change_subject(*, actor, subject, data):
    """Save the changed fields; returns their names (empty when nothing changed)."""
    data = {**data, "aliases": clean_aliases(data.get("aliases", subject.aliases),
                                              own=(data.get("code", subject.code), data.get("name", subject.name)))}
    changed = [f for f in FIELDS if f in data and getattr(subject, f) != data[f]]
    if not changed:
        return []
    old_code = subject.code
    for field in changed:
        setattr(subject, field, data[field])
    subject.save(update_fields=changed)
    audit.record(user=actor, school=subject.school, action=audit.Action.UPDATE, obj=subject,
                 summary=f"vak {old_code}: {', '.join(changed)}")
    return changed


@transaction.atomic
def merge_subjects(*, actor, source, target):
    """Move every grade, signal and plan goal of `source` to `target`, keep source's code, name
    and aliases as aliases of target (so imports still find it), and switch source off. Refused
    when a student has the same test on the same day in both (one would overwrite the other).
    Returns the number of grades moved."""
    if source.pk == target.pk or source.school_id != target.school_id:
        raise ValidationError(_("Choose another subject of this school."))
    # Row locks in a fixed order, so two merges of the same pair cannot cross.
    locked = {s.pk: s for s in Subject.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
              .order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    clash = Score.objects.filter(subject=source).filter(Exists(Score.objects.filter(
        subject=target, student=OuterRef("student"), test=OuterRef("test"), date=OuterRef("date"))))
    clashes = clash.count()
    if clashes:
        raise ValidationError(_(
            "%(count)s grades of %(source)s have the same student, test and date as a grade of "
            "%(target)s; correct them first.") % {"count": clashes, "source": source.code,
                                                   "target": target.code})
    moved = Score.objects.filter(subject=source).update(subject=target)
    Signal.objects.filter(subject=source).update(subject=target)
    hooks.plans().filter(goal_subject=source).update(goal_subject=target)
    target.aliases = clean_aliases([*target.aliases, source.code, source.name, *source.aliases],
                                   own=(target.code, target.name))
    target.save(update_fields=["aliases"])
    source.is_active, source.merged_into, source.aliases = False, target, []
    source.save(update_fields=["is_active", "merged_into", "aliases"])
    Subject.objects.filter(merged_into=source).update(merged_into=target)
    audit.record(user=actor, school=target.school, action=audit.Action.UPDATE, obj=target,
                 summary=f"vak {source.code} samengevoegd met {target.code}: {moved} cijfers verplaatst")
    return moved
