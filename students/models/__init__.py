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
    combined_levels,
    combined_name,
    combined_value,
    group_name,
    is_pre_exam_year,
    level_name,
)
from .promotion import AdviceMoment, PromotionDecision, PromotionNorm
from .scores import (
    MARKS_MET,
    Mark,
    ReferenceLevel,
    ResultKind,
    Score,
    StandardisedResult,
    Subject,
    level_advice_label,
)
from .signals import CATEGORY_SHORT, Category, Severity, Signal, WeekNote
from .transfer import DOMAIN_LEVELS, Advice, Placement, Transfer, placement

__all__ = [
    "ActionItem", "Advice", "AdviceMoment", "MARKS_MET", "Mark", "ReferenceLevel", "level_advice_label",
    "CATEGORY_SHORT", "Category", "ColumnMapping", "Conversation", "DOMAIN_LEVELS",
    "Flag", "FlagEvent", "ImportJob", "Level", "MAX_LEERJAAR", "MentorAssignment", "Notification",
    "PRE_EXAM_YEAR", "Placement", "PromotionDecision", "PromotionNorm", "ResultKind",
    "ReviewItem", "RiskLevel", "RiskRules",
    "Score", "Severity", "Signal", "StandardisedResult", "Student", "StudentQuerySet", "Subject",
    "TeamReview", "Transfer", "WeekNote", "combined_levels", "combined_name", "combined_value", "group_name",
    "is_pre_exam_year", "level_name", "placement",
]
