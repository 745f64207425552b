"""The service app's records: tickets and their conversation, queues, canned responses, mailboxes,
SLA policies and business calendars, live chat."""

from accord.service.models.chat import (
    AgentPresence,
    ChatAuthor,
    ChatChannel,
    ChatEnd,
    ChatMessage,
    ChatSession,
    ChatStatus,
)
from accord.service.models.feedback import SatisfactionSurvey
from accord.service.models.knowledge import (
    Article,
    ArticleCategory,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
)
from accord.service.models.sla import BusinessCalendar, SlaPolicy
from accord.service.models.tickets import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    AssignmentMode,
    CannedResponse,
    Mailbox,
    MessageKind,
    Queue,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "AgentPresence",
    "Article",
    "ArticleCategory",
    "ArticleRevision",
    "ArticleStatus",
    "ArticleVisibility",
    "AssignmentMode",
    "BusinessCalendar",
    "CannedResponse",
    "ChatAuthor",
    "ChatChannel",
    "ChatEnd",
    "ChatMessage",
    "ChatSession",
    "ChatStatus",
    "Mailbox",
    "MessageKind",
    "Queue",
    "SatisfactionSurvey",
    "SlaPolicy",
    "Ticket",
    "TicketChannel",
    "TicketMessage",
    "TicketPriority",
    "TicketStatus",
]
