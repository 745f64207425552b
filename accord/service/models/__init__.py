"""The service app's records: tickets and their conversation, queues, canned responses, mailboxes,
SLA policies and business calendars."""

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
    "Article",
    "ArticleCategory",
    "ArticleRevision",
    "ArticleStatus",
    "ArticleVisibility",
    "AssignmentMode",
    "BusinessCalendar",
    "CannedResponse",
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
