"""Promotion (bevordering) as a process, under /bevordering/: records (advice moments and the
final decision), figures (the school leader's warnings and the retention rate), and the
pages: views, forms, urls. The services are re-exported here, so
`from students import promotion; promotion.record_advice(...)` reads as before the split.
"""

from .figures import (
    WARNED, Retention, RetentionRow, Surprise, decisions_for, overview, record_overview_view,
    retention_rate, surprises,
)
from .records import (
    MOMENT_WORDS, Decision, Moment, advice_for, can_advise, can_decide, decision_for,
    promotion_context, record_advice, record_decision, start_year, suggested_moment,
)

__all__ = [
    "Decision", "MOMENT_WORDS", "Moment", "Retention", "RetentionRow", "Surprise", "WARNED",
    "advice_for", "can_advise", "can_decide", "decision_for", "decisions_for", "overview",
    "promotion_context", "record_advice", "record_decision", "record_overview_view",
    "retention_rate", "start_year", "suggested_moment", "surprises",
]
