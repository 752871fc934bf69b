"""The students app's models, one module per subject; every name is re-exported here so that
`from students.models import X` is the one import path."""

from .flags import Flag, FlagEvent, Notification, RiskLevel, RiskRules
from .imports import ColumnMapping, ImportJob
from .meetings import ActionItem, Conversation, ReviewItem, TeamReview
from .people import (
    MAX_LEERJAAR,
    PRE_EXAM_YEAR,
    Level,
    MentorAssignment,
    Student,
    StudentQuerySet,
    is_pre_exam_year,
)
from .promotion import AdviceMoment, PromotionDecision, PromotionNorm
from .scores import ResultKind, Score, StandardisedResult, Subject
from .signals import CATEGORY_SHORT, Category, Severity, Signal, WeekNote
from .transfer import DOMAIN_LEVELS, Advice, Placement, Transfer, placement

__all__ = [
    "ActionItem", "Advice", "AdviceMoment", "CATEGORY_SHORT", "Category", "ColumnMapping", "Conversation",
    "DOMAIN_LEVELS",
    "Flag", "FlagEvent", "ImportJob", "Level", "MAX_LEERJAAR", "MentorAssignment", "Notification",
    "PRE_EXAM_YEAR", "Placement", "PromotionDecision", "PromotionNorm", "ResultKind",
    "ReviewItem", "RiskLevel", "RiskRules",
    "Score", "Severity", "Signal", "StandardisedResult", "Student", "StudentQuerySet", "Subject",
    "TeamReview", "Transfer", "WeekNote", "is_pre_exam_year", "placement",
]
