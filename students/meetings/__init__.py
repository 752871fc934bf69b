"""Team student reviews (leerlingbesprekingen) and driehoeksgesprekken, under /overleg/.

reviews (the agenda, conclusions and actions), suggestions (who belongs on an agenda and
why), conversations (driehoeksgesprekken), and the pages: views, forms, urls. The services are
re-exported here, so `from students import meetings; meetings.create_review(...)` reads as
before the split.
"""

from .conversations import (
    can_record_conversation, conversations_for, record_conversation, update_conversation,
)
from .reviews import (
    action_owners, actions_for, add_action, add_to_agenda, agenda, agenda_candidates,
    create_review, items_for, open_actions_for, record_actions_list, record_review_view,
    refresh_agenda, remove_from_agenda, review_label, review_list, reviews_for, save_conclusion,
    set_action_done,
)
from .suggestions import (
    LOOKBACK, Suggestion, agenda_window, previous_review, review_students, signal_reason,
    suggested_agenda,
)

__all__ = [
    "LOOKBACK", "Suggestion", "action_owners", "actions_for", "add_action", "add_to_agenda",
    "agenda", "agenda_candidates", "agenda_window", "can_record_conversation",
    "conversations_for", "create_review", "items_for", "open_actions_for", "previous_review",
    "record_actions_list", "record_conversation", "record_review_view", "refresh_agenda",
    "remove_from_agenda", "review_label", "review_list", "review_students", "reviews_for",
    "save_conclusion", "set_action_done", "signal_reason", "suggested_agenda",
    "update_conversation",
]
