"""The payloads of people's own events (its records' created, updated, merged... events are the
core's families, core/event_types.py).

Contacts and companies written in bulk (people/bulk.py) are announced one event per batch, listing
the records: a batch is bounded (an import's chunk, an API upsert's records), so the ids fit.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from accord.core.events import EventPayload


class ContactsImported(EventPayload):
    """New contacts an import wrote in one batch (on the fast path; the rows the services wrote
    one by one have their own ``people.contact.created`` / ``updated`` events)."""

    name = "people.contact.imported"
    count: int
    ids: list[uuid.UUID]


class CompaniesImported(EventPayload):
    """Companies created in one batch because imported contacts named them."""

    name = "people.company.imported"
    count: int
    ids: list[uuid.UUID]


class ContactsUpserted(EventPayload):
    """One upsert batch (the bulk API): ``ids`` are every contact it created or updated (events
    stored before updates were included list only the contacts created in bulk)."""

    name = "people.contact.upserted"
    count: int
    ids: list[uuid.UUID]


class ImportedConsentRow(BaseModel):
    """One imported row's consent columns: the ``"<channel>.<purpose>"`` answered yes
    (``granted``) and no (``withdrawn``); ``text`` is the wording the file says was agreed to."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    contact_id: uuid.UUID
    granted: list[str] = []
    withdrawn: list[str] = []
    text: str = ""


class ConsentsImported(EventPayload):
    """The consent columns of one import batch, for marketing to record as proof (method
    "import", ``source`` the file). People keeps no consent of its own: it only passes them on."""

    name = "people.contact.consents_imported"
    source: str
    rows: list[ImportedConsentRow]
