"""The service app's REST endpoints: tickets and their messages, queues, canned responses and SLA
settings (``tickets``), the knowledge base (``knowledge``), satisfaction surveys and the feedback
reports (``feedback``), live chat channels (``chat``)."""

from ninja import Router

from accord.service.api.chat import router as chat_router
from accord.service.api.feedback import router as feedback_router
from accord.service.api.knowledge import router as knowledge_router
from accord.service.api.tickets import router as tickets_router

router = Router()
router.add_router("", tickets_router)
router.add_router("", knowledge_router)
router.add_router("", feedback_router)
router.add_router("", chat_router)
