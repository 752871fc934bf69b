"""Reads of a school's subject list, in the order people look for a subject: by name,
whatever its capitals (Duits beside aardrijkskunde, not before it)."""

from django.db.models import Count
from django.db.models.functions import Lower

from ..models import Subject


def subject_list(school):
    """Every subject of the school with its number of grades; switched-off ones last."""
    return (Subject.objects.filter(school=school).select_related("merged_into")
            .annotate(grades=Count("scores")).order_by("-is_active", Lower("name"), "pk"))


def merge_targets(subject):
    """The subjects another one can be merged into: the school's other active ones."""
    return (Subject.objects.filter(school_id=subject.school_id, is_active=True)
            .exclude(pk=subject.pk).order_by(Lower("name"), "pk"))


def subjects_in_use(school):
    """The school's subjects in use (the ones imports find and a new subject can be mapped to)."""
    return Subject.objects.filter(school=school, is_active=True).order_by(Lower("name"), "pk")
