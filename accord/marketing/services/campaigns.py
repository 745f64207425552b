"""Campaigns: writing one, previewing and test-sending it, launching, the A/B winner, cancelling,
and the opens and clicks its recipients make.

Launching (``launch``) only marks the campaign as sending (or scheduled) and hands the work to a
background task, ``run``, which is safe to run again at any point and as often as it is asked:

1. the segment is evaluated once, with the owner's view of the contacts, into ``CampaignRecipient``
   rows (a unique row per contact: a run cut short and started again adds only those missing),
   each with its language, and to be queued or skipped with the reason (no consent, suppressed,
   no address); once complete, the A/B test's share is drawn (a hash of campaign and contact);
2. the pending rows are queued in chunks, each chunk in one transaction that queues its messages
   (``queue_many``, key ``campaign:<id>:<contact id>``) and marks its rows queued: a chunk is
   either wholly done or not at all, and a message queued twice is the one queued first.

Nothing per recipient holds a body: each message names the campaign's ``MessageContent`` of its
language and carries the recipient's variables; the worker renders it when it sends it.

Marketing e-mails do not go on the contacts' timelines and do not refresh their last interaction
(``messaging.services.timeline.NOT_ON_TIMELINE``): a newsletter to everyone is not a conversation
with each of them. The campaign's recipient rows say who got what.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accord.core import access, bulk, changes, languages
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.models import CustomFieldDefinition
from accord.marketing.models import (
    AbMetric,
    Campaign,
    CampaignChannel,
    CampaignRecipient,
    CampaignStatus,
    ConsentChannel,
    ConsentPurpose,
    RecipientState,
    Segment,
    SkipReason,
    Suppression,
    Variant,
)
from accord.marketing.selectors.consent import ADDRESS_FIELD, reachable_q
from accord.marketing.services import campaign_content as content
from accord.marketing.services.consent import is_suppressed, normalize_address
from accord.marketing.services.unsubscribe import unsubscribe_token, unsubscribe_url
from accord.messaging.models import Message, MessageContent
from accord.messaging.services.outbox import Outgoing, queue_many, queue_message
from accord.messaging.services.templates import Renderer
from accord.people.models import Address, Contact, ContactCompany

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

CHUNK = 2000
PURPOSES = (ConsentPurpose.NEWSLETTER, ConsentPurpose.OFFERS)
SIMPLE_CUSTOM_TYPES = ("text", "number", "choice", "boolean", "date")
KIND = "campaign"
TEST_KIND = "campaign_test"
SUBJECT_MAX = 200
SMS_MAX = 1000


def ref(campaign: Campaign) -> str:
    """How the campaign is named in its unsubscribe links (and so in the consent history)."""
    return f"campaign:{campaign.pk}"


# --- writing ------------------------------------------------------------------------------------------


def _clean_versions(channel: str, raw: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors["versions"] = [_("Give the versions by language.")]
        return {}
    versions: dict[str, Any] = {}
    for code, version in raw.items():
        at = f"versions.{code}"
        if languages.supported(code) != code:
            errors.setdefault(at, []).append(_("Choose one of Accord's languages."))
            continue
        if not isinstance(version, dict):
            errors.setdefault(at, []).append(_("Give the version's subject and blocks."))
            continue
        cleaned: dict[str, Any] = {}
        if channel == CampaignChannel.EMAIL:
            for name in ("subject", "subject_b"):
                value = " ".join(str(version.get(name) or "").split())
                if name == "subject" and not value:
                    errors.setdefault(f"{at}.subject", []).append(_("Enter a subject."))
                elif len(value) > SUBJECT_MAX:
                    errors.setdefault(f"{at}.{name}", []).append(
                        _("At most %(max)d characters.") % {"max": SUBJECT_MAX}
                    )
                else:
                    content.check_text(value, f"{at}.{name}", errors)
                cleaned[name] = value
            cleaned["blocks"] = content.clean_blocks(version.get("blocks"), f"{at}.blocks", errors)
        else:
            text = str(version.get("text") or "").strip()
            if not text:
                errors.setdefault(f"{at}.text", []).append(_("Enter the text."))
            elif len(text) > SMS_MAX:
                errors.setdefault(f"{at}.text", []).append(_("At most %(max)d characters.") % {"max": SMS_MAX})
            else:
                content.check_text(text, f"{at}.text", errors)
            cleaned["text"] = text
        versions[code] = cleaned
    return versions


def _int(data: Mapping[str, Any], name: str, errors: dict[str, list[str]], low: int, high: int) -> int | None:
    try:
        value = int(str(data.get(name)).strip() or 0)
    except (TypeError, ValueError):
        errors[name] = [_("Enter a whole number.")]
        return None
    if not low <= value <= high:
        errors[name] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        return None
    return value


def _clean(actor: User, campaign: Campaign, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    creating = campaign._state.adding
    if "name" in data or creating:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 200:
            errors["name"] = [_("At most %(max)d characters.") % {"max": 200}]
        campaign.name = name
    if "channel" in data or creating:
        channel = data.get("channel") or CampaignChannel.EMAIL
        if channel not in CampaignChannel.values:
            errors["channel"] = [_("Choose e-mail or SMS.")]
        campaign.channel = channel
    if "purpose" in data or creating:
        purpose = data.get("purpose") or ConsentPurpose.NEWSLETTER
        if purpose not in PURPOSES:
            errors["purpose"] = [_("Choose newsletter or offers.")]
        campaign.purpose = purpose
    if "segment" in data:
        campaign.segment = None
        if data["segment"]:
            found = access.scope(actor, Segment.objects.all()).filter(pk=str(data["segment"])).first()
            if found is None:
                errors["segment"] = [_("Choose a segment you can see.")]
            campaign.segment = found
    if "versions" in data or creating:
        campaign.versions = _clean_versions(campaign.channel, data.get("versions") or {}, errors)
    if "scheduled_at" in data:
        value = data["scheduled_at"]
        if isinstance(value, str):
            value = parse_datetime(value) if value.strip() else None
            if value is None and str(data["scheduled_at"]).strip():
                errors["scheduled_at"] = [_("Enter a date and time.")]
        if isinstance(value, datetime.datetime) and timezone.is_naive(value):
            value = timezone.make_aware(value)
        campaign.scheduled_at = value
    for name, low, high in (("throttle_per_hour", 0, 10_000_000), ("ab_share", 0, 50), ("ab_wait_hours", 1, 168)):
        if name in data:
            value = _int(data, name, errors, low, high)
            if value is not None:
                setattr(campaign, name, value)
    if "ab_metric" in data:
        if data["ab_metric"] not in AbMetric.values:
            errors["ab_metric"] = [_("Choose opens or clicks.")]
        else:
            campaign.ab_metric = data["ab_metric"]
    for name in ("track_opens", "track_clicks"):
        if name in data:
            setattr(campaign, name, bool(data[name]) and data[name] not in ("0", "false", "off"))
    if "cost" in data:
        try:
            cost = Decimal(str(data["cost"] or "0").replace(",", ".").strip())
            if cost < 0 or cost >= Decimal("1e12"):
                raise InvalidOperation
            campaign.cost = cost.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["cost"] = [_("Enter an amount of 0 or more.")]
    if "custom_fields" in data:
        keys = [str(k) for k in data.get("custom_fields") or []]
        allowed = set(
            CustomFieldDefinition.objects.filter(
                entity="people.contact", active=True, field_type__in=SIMPLE_CUSTOM_TYPES
            ).values_list("key", flat=True)
        )
        wrong = [k for k in keys if k not in allowed]
        if wrong:
            errors["custom_fields"] = [
                _("Not a simple custom field of contacts: %(keys)s") % {"keys": ", ".join(wrong)}
            ]
        campaign.custom_fields = keys
    if campaign.is_ab:
        if campaign.channel == CampaignChannel.SMS:
            errors.setdefault("ab_share", []).append(_("An A/B test of subjects is for e-mail only."))
        elif campaign.ab_metric == AbMetric.OPENS and not campaign.track_opens:
            errors.setdefault("ab_metric", []).append(_("Opens decide the winner only while opens are tracked."))
        elif campaign.ab_metric == AbMetric.CLICKS and not campaign.track_clicks:
            errors.setdefault("ab_metric", []).append(_("Clicks decide the winner only while clicks are tracked."))


@transaction.atomic
def create_campaign(*, actor: User, data: Mapping[str, Any]) -> Campaign:
    """A new draft campaign of ``actor``'s."""
    access.require_create(actor)
    campaign = Campaign(owner=actor, team_id=actor.primary_team_id)
    errors: dict[str, list[str]] = {}
    _clean(actor, campaign, data, errors)
    if errors:
        raise ValidationError(errors)
    campaign.save()
    changes.record_create(actor=actor, obj=campaign)
    return campaign


def _lock(actor: User | None, campaign: Campaign, action: Action, expected_version: int | None) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if actor is not None:
        access.require(actor, action, locked)
    check_version(locked, expected_version)
    return locked


def _save(actor: User | None, campaign: Campaign, before: dict[str, Any]) -> Campaign:
    if changes.snapshot(campaign) == before:
        return campaign
    campaign.version += 1
    campaign.save()
    changes.record_update(actor=actor, obj=campaign, before=before)
    return campaign


@transaction.atomic
def update_campaign(
    *, actor: User, campaign: Campaign, data: Mapping[str, Any], expected_version: int | None = None
) -> Campaign:
    """Change a draft or scheduled campaign; a stale ``expected_version`` is a Conflict."""
    locked = _lock(actor, campaign, Action.CHANGE, expected_version)
    if not locked.is_editable:
        raise ValidationError({"status": [_("A campaign that has been sent cannot be changed.")]})
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _clean(actor, locked, data, errors)
    if errors:
        raise ValidationError(errors)
    return _save(actor, locked, before)


@transaction.atomic
def delete_campaign(*, actor: User, campaign: Campaign, expected_version: int | None = None) -> None:
    locked = _lock(actor, campaign, Action.DELETE, expected_version)
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.CANCELLED) or locked.launched_at:
        raise ValidationError({"status": [_("Only a draft that never went out can be deleted.")]})
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


# --- the words of one recipient ----------------------------------------------------------------------


def version_for(campaign: Campaign, language: str) -> str:
    """The language of the version a reader of ``language`` gets: theirs, else the site's, else
    the first there is."""
    versions = campaign.versions or {}
    for code in (languages.supported(language), languages.site_language()):
        if code in versions:
            return code
    return sorted(versions)[0] if versions else ""


def templates_of(campaign: Campaign, language: str, links: list[str]) -> tuple[str, str]:
    """The text and HTML templates of a version (``links`` collects its URLs)."""
    version = campaign.versions[language]
    if campaign.channel == CampaignChannel.SMS:
        return version["text"], ""
    return content.build_email(version["blocks"], language=language, links=links, track_opens=campaign.track_opens)


def subject_of(campaign: Campaign, language: str, variant: str) -> str:
    version = campaign.versions.get(language) or {}
    winner = campaign.ab_winner or Variant.A
    if variant == Variant.B or (variant == Variant.REST and winner == Variant.B):
        return version.get("subject_b") or version.get("subject", "")
    return version.get("subject", "")


def _render_subject(renderer: Renderer, source: str, variables: Mapping[str, Any], language: str) -> str:
    return " ".join(renderer.texts(source, "", variables, language)[0].split())[:SUBJECT_MAX]


def _extras(contact_ids: list[Any]) -> tuple[dict[Any, str], dict[Any, str]]:
    """The main company's name and the first address's city of each contact (two queries)."""
    companies: dict[Any, str] = {}
    for contact_id, name in (
        ContactCompany.objects.filter(contact_id__in=contact_ids, is_primary=True)
        .order_by("contact_id", "id")
        .values_list("contact_id", "company__name")
    ):
        companies.setdefault(contact_id, name)
    cities: dict[Any, str] = {}
    for contact_id, city in (
        Address.objects.filter(contact_id__in=contact_ids)
        .exclude(city="")
        .order_by("contact_id", "position", "id")
        .values_list("contact_id", "city")
    ):
        cities.setdefault(contact_id, city)
    return companies, cities


def _address_of(campaign: Campaign, contact: Contact) -> str:
    return str(getattr(contact, ADDRESS_FIELD[ConsentChannel(campaign.channel)]) or "")


@dataclass(frozen=True)
class Preview:
    language: str
    subject: str
    text: str
    html: str
    to: str


def preview(*, actor: User, campaign: Campaign, contact: Contact | None = None, language: str = "") -> Preview:
    """The campaign as ``contact`` (a member of its segment the actor may see) would get it, or
    with sample values; links and unsubscribe point where they would, nothing is counted."""
    access.require(actor, Action.VIEW, campaign)
    if not campaign.versions:
        raise ValidationError({"versions": [_("Write the campaign first.")]})
    if contact is not None:
        access.require(actor, Action.VIEW, contact)
        from accord.people.selectors import customer_language

        companies, cities = _extras([contact.pk])
        variables = content.personal_fields(
            contact,
            company_name=companies.get(contact.pk, ""),
            city=cities.get(contact.pk, ""),
            custom_fields=campaign.custom_fields,
        )
        code = version_for(campaign, language or customer_language(contact=contact))
        unsubscribe = unsubscribe_url(
            contact=contact, channel=campaign.channel, purpose=campaign.purpose, ref=ref(campaign)
        )
        to = _address_of(campaign, contact)
    else:
        variables = {**content.SAMPLE, "custom": dict.fromkeys(campaign.custom_fields, "…")}
        code = version_for(campaign, language)
        unsubscribe, to = "#", ""
    links: list[str] = []
    text, html = templates_of(campaign, code, links)
    shown = Campaign(links=links, track_clicks=False, track_opens=False, versions=campaign.versions)
    variables.update(content.tracking_variables(shown, recipient_id=None, unsubscribe_url=unsubscribe))
    renderer = Renderer()
    body, body_html = renderer.texts(text, html, variables, code)
    subject = _render_subject(renderer, subject_of(campaign, code, Variant.A), variables, code)
    return Preview(language=code, subject=subject, text=body, html=body_html, to=to)


@transaction.atomic
def send_test(
    *, actor: User, campaign: Campaign, to: str, contact: Contact | None = None, language: str = "", variant: str = "a"
) -> Message:
    """Send the campaign, as ``contact`` would get it (or with sample values), to an address the
    user typed: not a recipient, not counted in the results, and never to a suppressed address."""
    access.require(actor, Action.CHANGE, campaign)
    try:
        address = normalize_address(channel=campaign.channel, address=to)
    except ValidationError:
        raise ValidationError(
            {"to": [_("Enter a valid e-mail address.") if campaign.channel == "email" else _("Enter a phone number.")]}
        ) from None
    if not address:
        raise ValidationError({"to": [_("This field is required.")]})
    if is_suppressed(channel=campaign.channel, address=address, purpose=campaign.purpose):
        raise ValidationError({"to": [_("This address is on the suppression list: nothing is sent to it.")]})
    shown = preview(actor=actor, campaign=campaign, contact=contact, language=language)
    subject = shown.subject
    if variant == Variant.B:
        subject = _render_subject(
            Renderer(), subject_of(campaign, shown.language, Variant.B), content.SAMPLE, shown.language
        )
    return queue_message(
        actor=actor,
        channel=campaign.channel,
        to=address,
        subject=f"[{_('Test')}] {subject}"[:SUBJECT_MAX] if campaign.channel == "email" else "",
        body=shown.text,
        body_html=shown.html,
        idempotency_key=f"campaign-test:{campaign.pk}:{timezone.now().timestamp()}",
        kind=TEST_KIND,
        language=shown.language,
    )


# --- launching ---------------------------------------------------------------------------------------


def launch_problems(campaign: Campaign) -> dict[str, list[str]]:
    """What keeps the campaign from going out, by field."""
    errors: dict[str, list[str]] = {}
    if campaign.status not in (CampaignStatus.DRAFT,):
        errors["status"] = [_("Only a draft can be launched.")]
    if campaign.segment_id is None:
        errors["segment"] = [_("Choose the segment the campaign goes to.")]
    if not campaign.versions:
        errors["versions"] = [_("Write the campaign in at least one language.")]
    if campaign.is_ab:
        missing = [code for code, v in campaign.versions.items() if not v.get("subject_b")]
        if missing:
            errors["ab_share"] = [_("Give subject B in every language for the A/B test.")]
    return errors


def recipient_count(*, actor: User, campaign: Campaign) -> dict[str, int]:
    """How many members the segment has now and how many of them may be sent to (for the
    confirmation before launching)."""
    from accord.marketing.selectors.segments import members

    if campaign.segment is None:
        return {"members": 0, "reachable": 0}
    contacts = members(user=campaign.owner, segment=campaign.segment)
    return {
        "members": contacts.count(),
        "reachable": contacts.filter(reachable_q(channel=campaign.channel, purpose=campaign.purpose)).count(),
    }


@transaction.atomic
def launch(*, actor: User, campaign: Campaign, expected_version: int | None = None) -> Campaign:
    """Send the campaign: now, or at its ``scheduled_at`` if that is still ahead. The sending is
    done by a background task (``run``)."""
    locked = _lock(actor, campaign, Action.CHANGE, expected_version)
    errors = launch_problems(locked)
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(locked)
    now = timezone.now()
    locked.launched_by = actor
    if locked.scheduled_at is not None and locked.scheduled_at > now:
        locked.status = CampaignStatus.SCHEDULED
    else:
        locked.status = CampaignStatus.SENDING
        locked.launched_at = now
    _save(actor, locked, before)
    if locked.status == CampaignStatus.SENDING:
        transaction.on_commit(lambda: _enqueue(locked.pk))
    return locked


def _enqueue(pk: Any) -> None:
    from accord.marketing.tasks import run_campaign

    try:
        run_campaign.enqueue(str(pk))
    except Exception:  # the minute's sweep starts it
        log.warning("campaign %s: not enqueued; the sweep will send it", pk, exc_info=True)


@transaction.atomic
def cancel(*, actor: User, campaign: Campaign, expected_version: int | None = None) -> Campaign:
    """Stop the campaign: recipients not yet queued get nothing; messages queued and not yet
    sent (a throttled campaign's, hours ahead) are withdrawn from the outbox, those already sent
    stay sent."""
    locked = _lock(actor, campaign, Action.CHANGE, expected_version)
    queued = CampaignRecipient.objects.filter(campaign=locked, message__isnull=False).values("message_id")
    unsent = Message.objects.filter(pk__in=queued, state="queued")
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING) and not (
        locked.status == CampaignStatus.SENT and unsent.exists()
    ):
        raise ValidationError({"status": [_("This campaign is over; there is nothing to cancel.")]})
    before = changes.snapshot(locked)
    locked.status = CampaignStatus.CANCELLED
    locked.finished_at = locked.finished_at or (timezone.now() if locked.launched_at else None)
    _save(actor, locked, before)
    CampaignRecipient.objects.filter(campaign=locked, state__in=(RecipientState.PENDING, RecipientState.HELD)).update(
        state=RecipientState.CANCELLED
    )
    # Not sent yet: out of the outbox (a message being sent right now goes; it is counted).
    unsent.update(state="failed", error=_("The campaign was cancelled."), next_attempt_at=None)
    return locked


def _draw(campaign: Campaign, contact_id: Any) -> bytes:
    """The contact's place in the campaign's A/B draw: a hash of both, the same on every run."""
    return hashlib.sha256(f"{campaign.pk}:{contact_id}".encode()).digest()


def _split(campaign: Campaign) -> None:
    """Once the snapshot is complete: ``ab_share`` per cent of those who may be sent to (in the
    order of the draw) get A or B, half each; the rest wait for the winner. Exact shares, in the
    transaction that marks the snapshot done, so it is done once."""
    rows = list(
        CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.PENDING).values_list(
            "pk", "contact_id"
        )
    )
    rows.sort(key=lambda row: _draw(campaign, row[1]))
    tested = round(len(rows) * campaign.ab_share / 100)
    a_count = (tested + 1) // 2
    changed = []
    for i, (pk, _contact) in enumerate(rows):
        if i < a_count:
            continue  # stays A, pending
        if i < tested:
            changed.append((pk, Variant.B, RecipientState.PENDING))
        else:
            changed.append((pk, Variant.REST, RecipientState.HELD))
    bulk.update_rows(CampaignRecipient, ["variant", "state"], changed)
    CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.SKIPPED).update(variant=Variant.REST)


def _prepare_contents(campaign_id: Any) -> Campaign:
    """The campaign's words as ``MessageContent`` rows, one per language, made once."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.contents or campaign.status != CampaignStatus.SENDING:
            return campaign
        links: list[str] = []
        made: dict[str, str] = {}
        for code in sorted(campaign.versions):
            text, html = templates_of(campaign, code, links)
            made[code] = str(MessageContent.objects.create(body_text=text, body_html=html).pk)
        Campaign.objects.filter(pk=campaign.pk).update(contents=made, links=links)
        campaign.contents, campaign.links = made, links
        return campaign


def snapshot(campaign: Campaign, *, max_chunks: int | None = None) -> bool:
    """Evaluate the segment into recipient rows, ``CHUNK`` contacts a transaction; True once
    done (False: stopped after ``max_chunks``; the next call goes on where it stopped)."""
    from accord.marketing.selectors.segments import members
    from accord.people.selectors import customer_languages

    if campaign.snapshot_done:
        return True
    assert campaign.segment is not None
    contacts = members(user=campaign.owner, segment=campaign.segment).order_by("pk")
    reachable = reachable_q(channel=campaign.channel, purpose=campaign.purpose)
    field = ADDRESS_FIELD[ConsentChannel(campaign.channel)]
    last = (
        CampaignRecipient.objects.filter(campaign=campaign)
        .order_by("-contact_id")
        .values_list("contact_id", flat=True)
        .first()
    )
    chunks = 0
    while True:
        page = contacts.filter(pk__gt=last) if last is not None else contacts
        batch = list(page.only("pk", "preferred_language", field)[:CHUNK])
        if not batch:
            break
        ids = [c.pk for c in batch]
        ok = set(Contact.objects.filter(pk__in=ids).filter(reachable).values_list("pk", flat=True))
        addresses = {c.pk: str(getattr(c, field) or "") for c in batch if c.pk not in ok}
        normal: dict[Any, str] = {}
        for pk, address in addresses.items():
            if address:
                try:
                    normal[pk] = normalize_address(channel=campaign.channel, address=address)
                except ValidationError:
                    normal[pk] = ""
        suppressed = set(
            Suppression.objects.filter(
                channel=campaign.channel,
                address__in=[a for a in normal.values() if a],
                purpose__in=("", campaign.purpose),
            ).values_list("address", flat=True)
        )
        spoken = customer_languages(batch)
        rows = []
        for contact in batch:
            if contact.pk in ok:
                state, reason = RecipientState.PENDING, ""
            elif not normal.get(contact.pk):
                state, reason = RecipientState.SKIPPED, SkipReason.NO_ADDRESS
            elif normal[contact.pk] in suppressed:
                state, reason = RecipientState.SKIPPED, SkipReason.SUPPRESSED
            else:
                state, reason = RecipientState.SKIPPED, SkipReason.NO_CONSENT
            rows.append(
                CampaignRecipient(
                    campaign=campaign,
                    contact_id=contact.pk,
                    variant=Variant.A,
                    language=version_for(campaign, spoken.get(contact.pk, "")),
                    state=state,
                    reason=reason,
                )
            )
        with transaction.atomic():
            CampaignRecipient.objects.bulk_create(rows, ignore_conflicts=True)
        last = ids[-1]
        chunks += 1
        if max_chunks is not None and chunks >= max_chunks and len(batch) == CHUNK:
            return False
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not locked.snapshot_done:
            if locked.is_ab:
                _split(locked)
            Campaign.objects.filter(pk=campaign.pk).update(snapshot_done=True)
    campaign.snapshot_done = True
    return True


def queue_chunk(campaign_id: Any) -> int:
    """Queue the next ``CHUNK`` pending recipients in one transaction; how many (0: none left)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().select_related("owner").get(pk=campaign_id)
        if campaign.status != CampaignStatus.SENDING or not campaign.snapshot_done:
            return 0
        rows = list(
            CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.PENDING)
            .select_related("contact")
            .order_by("id")[:CHUNK]
        )
        if not rows:
            return 0
        now = timezone.now()
        companies, cities = _extras([r.contact_id for r in rows])
        contents = {code: MessageContent(pk=pk) for code, pk in campaign.contents.items()}
        renderer = Renderer()
        interval = datetime.timedelta(hours=1) / campaign.throttle_per_hour if campaign.throttle_per_hour else None
        start = max(campaign.throttle_next_at or now, now) if interval else now
        items: list[Outgoing] = []
        before, after = content.url_around("marketing:unsubscribe")
        for i, row in enumerate(rows):
            contact = row.contact
            # unsubscribe_headers(), with the URL around the token made once
            token = unsubscribe_token(
                contact=contact, channel=campaign.channel, purpose=campaign.purpose, ref=ref(campaign)
            )
            unsubscribe = f"{before}{token}{after}"
            headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            variables = content.personal_fields(
                contact,
                company_name=companies.get(contact.pk, ""),
                city=cities.get(contact.pk, ""),
                custom_fields=campaign.custom_fields,
            )
            variables.update(content.tracking_variables(campaign, recipient_id=row.pk, unsubscribe_url=unsubscribe))
            subject = ""
            if campaign.channel == CampaignChannel.EMAIL:
                subject = _render_subject(
                    renderer, subject_of(campaign, row.language, row.variant), variables, row.language
                )
            items.append(
                Outgoing(
                    channel=campaign.channel,
                    to=_address_of(campaign, contact),
                    subject=subject,
                    idempotency_key=f"campaign:{campaign.pk}:{contact.pk}",
                    kind=KIND,
                    language=row.language,
                    contact=contact,
                    related=campaign,
                    content=contents[row.language],
                    context=variables,
                    headers=headers if campaign.channel == CampaignChannel.EMAIL else {},
                    send_at=start + interval * i if interval else None,
                )
            )
        skipped = 0
        try:
            messages = queue_many(actor=campaign.launched_by, items=items)
        except ValidationError as exc:
            # An address the outbox refuses (a phone number that is none): those are skipped,
            # the rest of the chunk goes.
            bad = {int(key.split(".", 1)[0]) for key in exc.message_dict if key.split(".", 1)[0].isdigit()}
            if not bad:
                raise
            for i in bad:
                rows[i].state, rows[i].reason = RecipientState.SKIPPED, SkipReason.NO_ADDRESS
            CampaignRecipient.objects.bulk_update([rows[i] for i in bad], ["state", "reason"])
            skipped = len(bad)
            keep = [i for i in range(len(rows)) if i not in bad]
            rows = [rows[i] for i in keep]
            items = [items[i] for i in keep]
            messages = queue_many(actor=campaign.launched_by, items=items) if items else []
        bulk.update_rows(
            CampaignRecipient,
            ["state", "message", "queued_at"],
            [(row.pk, RecipientState.QUEUED, message.pk, now) for row, message in zip(rows, messages, strict=True)],
        )
        updates: dict[str, Any] = {"queued_count": F("queued_count") + len(rows)}
        if interval:
            updates["throttle_next_at"] = start + interval * len(items)
        Campaign.objects.filter(pk=campaign.pk).update(**updates)
        return len(rows) + skipped


def _finish(campaign_id: Any) -> Campaign:
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != CampaignStatus.SENDING or not campaign.snapshot_done:
            return campaign
        open_states = (RecipientState.PENDING, RecipientState.HELD)
        if CampaignRecipient.objects.filter(campaign=campaign, state__in=open_states).exists():
            return campaign  # the A/B test is running: the rest wait for the winner
        before = changes.snapshot(campaign)
        campaign.status = CampaignStatus.SENT
        campaign.finished_at = timezone.now()
        return _save(None, campaign, before)


@dataclass(frozen=True)
class RunReport:
    recipients: int
    queued: int
    status: str


def run(campaign_id: Any, *, max_chunks: int | None = None) -> RunReport:
    """Do what is left of the campaign's launch: the snapshot, then the queueing, then mark it
    sent. Safe to run again after a crash at any point, and alongside another run. With
    ``max_chunks``, stop after that many chunks of each step (the next run goes on)."""
    campaign = _prepare_contents(campaign_id)
    if campaign.status == CampaignStatus.SENDING:
        campaign = Campaign.objects.select_related("owner", "segment").get(pk=campaign_id)
        if snapshot(campaign, max_chunks=max_chunks):
            done = 0
            while max_chunks is None or done < max_chunks:
                if not queue_chunk(campaign_id):
                    campaign = _finish(campaign_id)
                    break
                done += 1
    campaign.refresh_from_db()
    return RunReport(
        recipients=CampaignRecipient.objects.filter(campaign_id=campaign_id).count(),
        queued=campaign.queued_count,
        status=campaign.status,
    )


# --- scheduled campaigns, resumed launches, A/B winners ------------------------------------------------


def start_due(now: datetime.datetime | None = None) -> list[Any]:
    """Scheduled campaigns whose time has come start sending; returns the ids of the campaigns
    still to be worked on (those just started and those a crashed run left unfinished)."""
    now = now or timezone.now()
    due = list(
        Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now).values_list("pk", flat=True)
    )
    for pk in due:
        with transaction.atomic():
            locked = Campaign.objects.select_for_update().get(pk=pk)
            if locked.status != CampaignStatus.SCHEDULED:
                continue
            before = changes.snapshot(locked)
            locked.status, locked.launched_at = CampaignStatus.SENDING, now
            _save(None, locked, before)
    # Everything sending but a campaign whose only open rows wait for the A/B winner: one whose
    # snapshot or queueing was cut short, and one that was queued whole but not marked sent.
    rows = CampaignRecipient.objects.filter(campaign_id=OuterRef("pk"))
    pending = (
        Q(snapshot_done=False)
        | Q(Exists(rows.filter(state=RecipientState.PENDING)))
        | ~Q(Exists(rows.filter(state=RecipientState.HELD)))
    )
    return list(Campaign.objects.filter(status=CampaignStatus.SENDING).filter(pending).values_list("pk", flat=True))


def ab_rates(campaign: Campaign) -> dict[str, tuple[int, int]]:
    """Per test variant: (recipients queued, recipients who opened, or clicked)."""
    from django.db.models import Count

    metric = "opened_at" if campaign.ab_metric == AbMetric.OPENS else "clicked_at"
    rows = (
        CampaignRecipient.objects.filter(
            campaign=campaign, state=RecipientState.QUEUED, variant__in=(Variant.A, Variant.B)
        )
        .values("variant")
        .annotate(n=Count("id"), hit=Count("id", filter=Q(**{f"{metric}__isnull": False})))
    )
    found = {r["variant"]: (r["n"], r["hit"]) for r in rows}
    return {v: found.get(v, (0, 0)) for v in (Variant.A, Variant.B)}


def decide_winner(campaign_id: Any, now: datetime.datetime | None = None) -> str:
    """When the test's hours are over, the subject with the higher rate of opens (or clicks)
    goes to the rest (A on a tie); returns the winner, "" when not due."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if (
            campaign.status != CampaignStatus.SENDING
            or not campaign.is_ab
            or campaign.ab_winner
            or not campaign.snapshot_done
            or campaign.launched_at is None
            or campaign.launched_at + datetime.timedelta(hours=campaign.ab_wait_hours) > now
        ):
            return ""
        rates = ab_rates(campaign)
        (a_n, a_hit), (b_n, b_hit) = rates[Variant.A], rates[Variant.B]
        # b_hit / b_n > a_hit / a_n, without dividing by nought
        winner = Variant.B if b_hit * max(a_n, 1) > a_hit * max(b_n, 1) else Variant.A
        before = changes.snapshot(campaign)
        campaign.ab_winner, campaign.ab_decided_at = winner, now
        if campaign.throttle_per_hour:
            campaign.throttle_next_at = max(campaign.throttle_next_at or now, now)
        _save(None, campaign, before)
        CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.HELD).update(
            state=RecipientState.PENDING
        )
    return winner


def decide_due(now: datetime.datetime | None = None) -> list[Any]:
    """``decide_winner`` for every campaign whose test is over; the ids of those decided."""
    now = now or timezone.now()
    waiting = Campaign.objects.filter(status=CampaignStatus.SENDING, ab_share__gt=0, ab_winner="").values_list(
        "pk", flat=True
    )
    return [pk for pk in list(waiting) if decide_winner(pk, now)]


# --- opens and clicks ------------------------------------------------------------------------------


def record_open(token: str) -> bool:
    """The open pixel of a recipient was fetched: the first time is kept, every time counted.
    False for a token that is not one of ours (or of a campaign not tracking opens)."""
    read = content.read_token(token)
    if read is None or read[1] != "o":
        return False
    now = timezone.now()
    return bool(
        CampaignRecipient.objects.filter(pk=read[0], campaign__track_opens=True).update(
            opened_at=Coalesce(F("opened_at"), now), open_count=F("open_count") + 1
        )
    )


def record_click(token: str) -> str:
    """Where a recipient's tracked link goes (the campaign's own link of that number), with the
    click counted (and an open, when the pixel was not loaded); Http404 for anything else."""
    read = content.read_token(token)
    if read is None or read[1] == "o":
        raise Http404
    recipient = CampaignRecipient.objects.filter(pk=read[0]).select_related("campaign").first()
    if recipient is None:
        raise Http404
    links = recipient.campaign.links or []
    index = int(read[1])
    if index >= len(links):
        raise Http404
    now = timezone.now()
    CampaignRecipient.objects.filter(pk=recipient.pk).update(
        clicked_at=Coalesce(F("clicked_at"), now),
        click_count=F("click_count") + 1,
        opened_at=Coalesce(F("opened_at"), now),
    )
    return str(links[index])


# --- consent withdrawn after queueing ----------------------------------------------------------------


def withdraw_unsent(*, channel: str, purpose: str, contact_id: Any = None, address: str = "") -> int:
    """Take out of the outbox the campaign messages not yet sent that may no longer go: those of
    ``contact_id`` (their consent for ``purpose`` on ``channel`` is gone) or to ``address`` (it
    was suppressed; ``purpose`` empty: for every purpose). A throttled campaign queues messages
    hours ahead; this keeps them from going to someone who said no meanwhile. How many."""
    campaigns = Campaign.objects.filter(channel=channel)
    if purpose:
        campaigns = campaigns.filter(purpose=purpose)
    rows = CampaignRecipient.objects.filter(campaign__in=campaigns, message__state="queued")
    if contact_id is not None:
        rows = rows.filter(contact_id=contact_id)
    messages = Message.objects.filter(pk__in=rows.values("message_id"), state="queued")
    if address:
        messages = messages.filter(to_address__iexact=address)
    why = _("Not sent: the consent was withdrawn or the address suppressed after it was queued.")
    return messages.update(state="failed", error=why, next_attempt_at=None)
