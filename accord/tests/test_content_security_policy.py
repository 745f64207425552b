"""A strict Content-Security-Policy on every page: the header forbids inline scripts, inline styles
and eval, and no page relies on them (no ``style=``, no ``on*=`` handler, no inline ``<script>``,
no ``<style>`` block, no ``javascript:`` link).

Every URL of the web screens is requested as an administrator over the demo data (plus an import,
a bulk change, a notification and a saved view), as a full page and as an htmx fragment."""

from __future__ import annotations

import io
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

pytestmark = pytest.mark.usefixtures("private_files")

# Screens that answer an administrator's GET with something other than an HTML page (files, feeds,
# JSON, actions that only take POST, redirects); their answers are checked for the header only. A
# new screen is checked as a page unless it is listed here.
NOT_PAGES = {
    # Analytics: a report's file, deleting a report (POST only), and the dashboards' entry, which
    # redirects to the dashboard of the user's role.
    "report-export",
    "report-delete",
    "dashboards",
    # Billing: the lists' downloads, and the column mapping of a CSV statement, which is reached
    # only from an upload (without one it goes back to the list).
    "bank-statement-map",
    "invoice-export",
    "order-export",
    "payment-export",
    "greeting-rule-delete",
    # Campaigns: actions that only take POST, and the tracking pixel and link (a GIF, a redirect).
    "campaign-cancel",
    "campaign-delete",
    "campaign-test",
    "track-click",
    "track-open",
    # Journeys: actions that only take POST, and the tracking pixel and link.
    "journey-activate",
    "journey-pause",
    "journey-delete",
    "journey-step-move",
    "journey-step-remove",
    "journey-open",
    # Tickets: the list's download and the page's actions, which only take POST.
    "ticket-export",
    "ticket-reply",
    "ticket-update",
    "ticket-take",
    "ticket-merge",
    # The SMS gateway's post of the texts customers send back (JSON, POST only, off without a token).
    "sms-inbound",
    # A mail provider's post of the e-mail customers write (POST only, off without a token).
    "mail-inbound",
    "journey-click",
    # Offers: the contact panel's actions, which only take POST; a rule's deletion.
    "offer-deal",
    "offer-decline",
    "offer-delete",
    "offer-made",
    # The knowledge base: actions that only take POST.
    "kb-article-delete",
    "kb-article-publish",
    "kb-article-restore",
    "kb-article-unpublish",
    "kb-category-delete",
    "access-role-delete",
    "access-team-delete",
    "access-territory-delete",
    "access-user-active",
    "access-user-password",
    "access-user-reset-link",
    "access-user-two-factor",
    "attachment-delete",
    "attachment-download",
    "attachment-upload",
    "bank-line-ignore",
    "bulk-job-resume",
    "collection-call-log",
    "collection-ladder-new",
    "collection-ladder-save",
    "collection-profile",
    "collection-rate-save",
    "collection-case",
    "collection-step-decide",
    "calendar-events",
    "calendar-feed",
    "calendar-feed-reset",
    "calendar-move",
    "company-delete",
    "company-export",
    "confirm",
    "consent-change",
    "contact-delete",
    "contact-export",
    "deal-amount-from-lines",
    "deal-delete",
    "deal-export",
    "deal-line-price",
    "deal-line-remove",
    "deal-log",
    "deal-move",
    "deal-win",
    "health",
    "home",
    "import-failed-rows",
    "import-job",
    "import-progress",
    "import-run",
    "interaction-export",
    "interaction-log",
    "invoice-delete",
    "invoice-dispute",
    "invoice-dispute-resolve",
    "invoice-issue",
    "invoice-pay",
    "invoice-pdf",
    "lead-delete",
    "lead-export",
    "lead-status",
    "list-look",
    "login",
    "logout",
    "mark-read",
    "open",
    "order-invoice",
    "order-status",
    "outbox-retry",
    "password-change",
    "payment-allocate",
    "print-batch-pdf",
    "print-batch-post",
    "print-letter-remove",
    "print-prepare",
    "pricelist-delete",
    "pricelist-item-remove",
    "product-active",
    "product-export",
    "quote-accept",
    "quote-create",
    "quote-decline",
    "quote-edit",
    "quote-export",
    "quote-invoice",
    "quote-order",
    "quote-pdf",
    "quote-revise",
    "recovery-codes",
    "saved-view-create",
    "saved-view-delete",
    "segment-builder",
    "segment-call-list",
    "segment-count",
    "segment-export",
    "segment-freeze",
    "segment-member-add",
    "segment-member-remove",
    "set-language",
    "settings-automation-delete",
    "settings-lost-reason-delete",
    "settings-lost-reason-move",
    "settings-scoring-delete",
    "settings-scoring-rescore",
    "settings-stage-delete",
    "settings-stage-move",
    "settings-stage-reorder",
    "settings-webform-delete",
    "suppression-remove",
    "task-export",
    "task-toggle",
    "token-create",
    "token-revoke",
    "two-factor-disable",
    "unsubscribe",
    # Service settings: deletions only take POST; the SLA report's download is a file.
    "settings-queue-delete",
    "settings-calendar-delete",
    "settings-policy-delete",
    "settings-canned-delete",
    "settings-mailbox-delete",
    "settings-mailbox-test",
    "settings-channel-activate",
    "chat-widget-config",  # the chat widget's labels: JSON for the customer's website
    "sla-report-export",
    "satisfaction-report-export",
    "complaints-report-export",
    # NPS surveys: sending only takes POST; the public page's token "x" is no survey (400).
    "nps-send",
    "nps",
    # The satisfaction survey's public page: the table's token "x" is no survey (400); a real one
    # is checked with the public pages.
    "survey",
}


def _attribute_problem(name: str, value: str) -> str | None:
    """Why a strict policy blocks this attribute ("" when it says so itself), or None."""
    if name == "style" or name.startswith("on"):
        return ""
    if name in ("href", "src", "action", "formaction") and value.lower().startswith("javascript:"):
        return ""
    if (name in ("hx-vals", "hx-vars") and value.startswith("js:")) or name.startswith(("hx-on", "data-hx-on")):
        return " (needs eval)"
    # A trigger's filter, click[ctrlKey], is evaluated; a from:/target: selector's brackets are not.
    if name == "hx-trigger" and "[" in re.sub(r"\b(from|target):\S+", "", value):
        return " (a trigger filter needs eval)"
    return None


class InlineFinder(HTMLParser):
    """Collects everything a strict policy would block in a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            problem = _attribute_problem(name, (value or "").strip())
            if problem is not None:
                self.found.append(f"<{tag} {name}={value!r}>{problem}")
        values = dict(attrs)
        if tag == "script" and not values.get("src") and values.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> block")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def policy(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def policy_problems(response: Any) -> list[str]:
    directives = policy(response)
    if not directives:
        return ["no Content-Security-Policy header"]
    problems = []
    for name in ("script-src", "style-src"):
        sources = directives.get(name, directives.get("default-src"))
        if sources is None:
            problems.append(f"{name} is not restricted")
        elif "'unsafe-inline'" in sources or "'unsafe-eval'" in sources or "*" in sources:
            problems.append(f"{name} allows {sources}")
    for name, sources in directives.items():
        if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources:
            problems.append(f"{name} allows {sources}")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    return problems


def _patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str, str]]:
    found = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            found += _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            found.append((prefix + str(p.pattern), p.name or "", namespace))
    return found


def screen_routes() -> list[tuple[str, str]]:
    """(route, name) of every URL except the API's, Django's admin and the portal's (walked as a
    portal user in ``test_every_portal_screen_sends_a_strict_policy``)."""
    from django.conf import settings

    return [
        (route, name)
        for route, name, _ns in _patterns(get_resolver().url_patterns)
        if not route.startswith(("api", "^api", settings.ADMIN_URL, "portal/"))
    ]


def portal_routes() -> list[tuple[str, str]]:
    return [(route, name) for route, name, _ns in _patterns(get_resolver().url_patterns) if route.startswith("portal/")]


# The portal's routes that answer a GET with something other than a page: actions that only take
# POST, the invoice's PDF and the data download; the staff's invitation.
PORTAL_NOT_PAGES = {
    "link-request",
    "ticket-reply",
    "quote-accept",
    "invoice-pdf",
    "account-details",
    "account-consents",
    "account-password",
    "account-data",
    "invite",
    "revoke",
}


@pytest.fixture
def world(admin_user: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    from accord.core import bulk_actions, bulk_jobs, import_jobs, importers, lists
    from accord.core.models import Attachment, SavedView
    from accord.identity import services as identity
    from accord.identity.models import Role, Team, Territory
    from accord.messaging.models import Message
    from accord.people.models import Company, Contact
    from accord.sales.models import (
        AutomationRule,
        Deal,
        Lead,
        LostReason,
        PriceList,
        Product,
        Quote,
        ScoringRule,
        WebForm,
    )

    call_command("demo", "--size", "0.02", "--seed", "7", stdout=io.StringIO())
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(
        actor=admin_user,
        importer=importer,
        file=SimpleUploadedFile("people.csv", b"First name;Last name\r\nAnna;Nowak\r\n", content_type="text/csv"),
    )
    screen = lists.get("contact")
    selection = bulk_actions.select(actor=admin_user, screen=screen, params={})
    bulk = bulk_jobs.start(
        actor=admin_user, selection=selection, change=bulk_actions.row_change(screen, "tag_add", {"tag": "Fair"})
    )
    token, _raw = identity.create_token(user=admin_user, name="t")
    deal = Deal.objects.filter(lines__isnull=False).order_by("created_at").first()
    assert deal is not None
    pipeline = deal.pipeline
    contact = Contact.objects.order_by("created_at").first()
    uid = urlsafe_base64_encode(force_bytes(admin_user.pk))
    ids: dict[str, Any] = {
        "contact": contact.pk,
        "company": Company.objects.order_by("created_at").first().pk,
        "deal": deal.pk,
        "pipeline": pipeline.pk,
        "stage": pipeline.stages.order_by("position").first().pk,
        "lead": Lead.objects.filter(converted_at__isnull=True).order_by("created_at").first().pk,
        "quote": Quote.objects.order_by("created_at").first().pk,
        "product": Product.objects.order_by("created_at").first().pk,
        "pricelist": PriceList.objects.order_by("created_at").first().pk,
        "reason": LostReason.objects.order_by("position").first().pk,
        "scoring": ScoringRule.objects.order_by("pk").first().pk,
        "webform": WebForm.objects.order_by("created_at").first(),
        "automation": AutomationRule.objects.order_by("created_at").first().pk,
        "import": job.pk,
        "bulk": bulk.pk,
        "token": token.pk,
        "user": admin_user.pk,
        "team": Team.objects.order_by("name").first().pk,
        "territory": Territory.objects.order_by("name").first().pk,
        "role": Role.objects.get(code=Role.SALES_REP).pk,
        "uid": uid,
        "reset_token": default_token_generator.make_token(admin_user),
        "saved_view": SavedView.objects.create(user=admin_user, entity="contact", name="Mine", query="owner=me").pk,
        "message": Message.objects.create(
            channel="in_app", idempotency_key="csp-test", recipient_user=admin_user, subject="Hi", url="/my-day/"
        ).pk,
        # Files are downloads, not pages: any id shows the header on the answer.
        "attachment": Attachment.objects.values_list("pk", flat=True).first() or uuid.uuid4(),
    }
    from accord.activities.models import Interaction, Task
    from accord.core.models import CustomFieldDefinition

    ids["task"] = Task.objects.order_by("created_at").first().pk
    ids["interaction"] = Interaction.objects.order_by("created_at").first().pk
    ids["custom_field"] = CustomFieldDefinition.objects.order_by("created_at").first().pk
    from accord.billing.services import invoices, orders

    line = {"description": "X", "unit_price": "1", "vat_rate": "23"}
    billed = {"company": Company.objects.order_by("created_at").first(), "lines": [line]}
    ids["invoice"] = invoices.create_invoice(actor=admin_user, data=billed).pk
    ids["order"] = orders.create_order(actor=admin_user, data=billed).pk
    from accord.billing.services import payments

    ids["payment"] = payments.record_payment(actor=admin_user, amount="1", currency="PLN", company=billed["company"]).pk
    # A collection step (a reminder letter: the demo's company has no e-mail here), its letter in a
    # print batch, and the outbox's templates.
    import datetime

    from accord.billing.models import CollectionStep
    from accord.billing.services import collections
    from accord.messaging.models import MessageTemplate
    from accord.messaging.services import letters

    long_ago = datetime.date(2026, 1, 5)
    overdue = invoices.create_invoice(
        actor=admin_user, data={**billed, "issue_date": long_ago.isoformat(), "sale_date": long_ago.isoformat()}
    )
    invoices.issue(actor=admin_user, invoice=overdue)
    collections.run(today=long_ago + datetime.timedelta(days=30))
    step = CollectionStep.objects.order_by("created_at").first()
    assert step is not None
    ids["collection_step"] = step.pk
    ids["outbox_message"] = step.message_id
    from accord.messaging.services import queue_message

    letter = queue_message(
        actor=admin_user,
        channel="letter",
        to="Anna Nowak\nul. Prosta 1\n00-001 Warszawa",
        subject="Hi",
        idempotency_key="csp",
    )
    batch = letters.collect_batch(actor=admin_user)
    assert batch is not None
    ids["print_batch"] = batch.pk
    ids["letter"] = letter.pk
    ids["template"] = MessageTemplate.objects.order_by("created_at").first().pk
    from accord.billing.models import CollectionLadder

    ids["ladder"] = CollectionLadder.objects.order_by("created_at").first().pk
    from accord.billing.services.statements import import_statement
    from accord.billing.tests.statement_builders import Booking, mt940

    imported = import_statement(actor=admin_user, content=mt940([Booking("1.00", "x")]), file_name="a.sta")
    ids["bank_statement"] = imported.statements[0].pk
    from accord.marketing.models import GreetingRule

    ids["greeting_rule"] = GreetingRule.objects.order_by("created_at").first().pk
    ids["bank_line"] = imported.statements[0].lines.get().pk
    from accord.marketing.models import Segment
    from accord.marketing.services import consent, segments

    ids["suppression"] = consent.suppress(channel="email", address="csp@example.com", reason="manual").pk
    ids["segment"] = segments.create_segment(
        actor=admin_user, data={"name": "Everyone", "rules": {"match": "all", "rules": []}}
    ).pk
    from accord.marketing.tests.campaign_world import make_campaign

    ids["campaign"] = make_campaign(admin_user, Segment.objects.get(pk=ids["segment"])).pk
    from accord.marketing.services import journeys

    journey = journeys.create_journey(
        actor=admin_user, data={"name": "Welcome", "trigger": "segment_joined", "segment": ids["segment"]}
    )
    ids["journey"] = journey.pk
    from accord.marketing.services import nps

    ids["nps_survey"] = nps.create_survey(actor=admin_user, data={"name": "Autumn NPS", "segment": ids["segment"]}).pk
    ids["journey_step"] = journeys.add_step(
        actor=admin_user, journey=journey, kind="email", config={"subject": "Hi", "body": "Hello"}
    ).pk
    from accord.service.services import tickets

    ids["ticket"] = tickets.create_ticket(
        actor=admin_user, contact=Contact.objects.get(pk=ids["contact"]), subject="Broken", body="It broke."
    ).pk
    from accord.identity.models import hash_token
    from accord.service.models import SatisfactionSurvey

    surveyed = tickets.create_ticket(
        actor=admin_user, contact=Contact.objects.get(pk=ids["contact"]), subject="Slow", body="Too slow."
    )
    ids["survey_token"] = "checked-survey-token"
    SatisfactionSurvey.objects.create(
        ticket=surveyed,
        contact=surveyed.contact,
        token_hash=hash_token(ids["survey_token"]),
        sent_at=surveyed.created_at,
    )
    from accord.marketing.services import offers

    ids["offer"] = offers.create_rule(
        actor=admin_user, data={"name": "Catalogue", "title": "Our catalogue", "url": "https://x.example/"}
    ).pk
    from accord.service.services import settings as service_settings

    service_calendar = service_settings.create_calendar(actor=admin_user, data={"name": "Office"})
    ids["service_calendar"] = service_calendar.pk
    ids["service_queue"] = service_settings.create_queue(actor=admin_user, data={"name": "Hardware"}).pk
    ids["service_policy"] = service_settings.create_policy(
        actor=admin_user,
        data={
            "name": "Standard",
            "first_response_minutes": 60,
            "resolution_minutes": 480,
            "calendar": service_calendar,
        },
    ).pk
    ids["service_canned"] = service_settings.create_canned(actor=admin_user, data={"name": "Thanks", "body": "Hi"}).pk
    from accord.service.models import Queue as ServiceQueue
    from accord.service.services import mailboxes as service_mailboxes

    ids["service_mailbox"] = service_mailboxes.create_mailbox(
        actor=admin_user,
        data={
            "name": "Support inbox",
            "queue": ServiceQueue.objects.get(pk=ids["service_queue"]),
            "host": "imap.example.com",
            "port": 993,
            "username": "support",
            "password": "secret",
        },
    ).pk
    from accord.service.services import chat as service_chat

    ids["service_channel"] = service_chat.add_channel(
        actor=admin_user,
        data={"name": "Shop", "queue": ServiceQueue.objects.get(pk=ids["service_queue"]), "allowed_origins": []},
    ).pk
    from accord.service.services import knowledge

    ids["kb_category"] = knowledge.create_category(actor=admin_user, data={"name": "Screens checked"}).pk
    ids["kb_article"] = knowledge.create_article(
        actor=admin_user,
        data={"title": "Printer", "body": "Restart it.", "language": "en", "category": ids["kb_category"]},
    ).pk
    from accord.analytics.services import reports

    ids["report"] = reports.create_report(
        actor=admin_user, name="Screens checked", definition={"entity": "deals", "rows": "owner"}
    ).pk
    return ids


def url_for(route: str, name: str, ids: dict[str, Any]) -> str | None:
    """The route with its parameters filled from the demo's records."""
    by_name = {
        "token-revoke": "token",
        "access-user": "user",
        "access-team": "team",
        "access-territory": "territory",
        "access-role": "role",
        "saved-view": "saved_view",
        "bulk-job": "bulk",
        "custom-field": "custom_field",
        "attachment": "attachment",
        "import": "import",
        "contact": "contact",
        "company": "company",
        "interaction": "interaction",
        "task": "task",
        "lead": "lead",
        "board": "pipeline",
        "deal-line": "deal",
        "deal": "deal",
        "quote": "quote",
        "product": "product",
        "pricelist": "pricelist",
        "settings-pipeline": "pipeline",
        "settings-stage": "stage",
        "settings-lost-reason": "reason",
        "settings-scoring": "scoring",
        "settings-webform": "webform",
        "settings-automation": "automation",
        "open": "message",
        "invoice": "invoice",
        "order": "order",
        "payment": "payment",
        "collection-ladder": "ladder",
        "collection-profile": "company",
        "collection": "collection_step",
        "outbox": "outbox_message",
        "template": "template",
        "print-batch": "print_batch",
        "print-letter": "letter",
        "bank-statement": "bank_statement",
        "bank-line": "bank_line",
        "segment": "segment",
        "consent": "contact",
        "suppression": "suppression",
        "greeting-rule": "greeting_rule",
        "campaign": "campaign",
        "offer-made": "contact",
        "offer-deal": "contact",
        "offer-decline": "contact",
        "offer": "offer",
        "journey": "journey",
        "nps-": "nps_survey",
        "ticket": "ticket",
        "settings-queue": "service_queue",
        "settings-calendar": "service_calendar",
        "settings-policy": "service_policy",
        "settings-canned": "service_canned",
        "settings-mailbox": "service_mailbox",
        "settings-channel": "service_channel",
        "kb-article": "kb_article",
        "kb-category": "kb_category",
        "report-": "report",
    }
    key = next((k for prefix, k in by_name.items() if name.startswith(prefix)), None)
    values = {
        "<uuid:pk>": ids.get(key) if key else None,
        "<uuid:pipeline>": ids["pipeline"],
        "<uuid:stage>": ids["stage"],
        "<uuid:deal_pk>": ids["deal"],
        "<uuid:product_pk>": ids["product"],
        "<int:index>": 0,
        "<slug:key>": "contact",
        "<slug:name>": "contacts",
        "<str:entity>": "contact",
        "<str:role>": "management",
        "<str:kind>": "company",
        "<uuid:dispute_pk>": ids["collection_step"],  # any id: the route only takes POST
        "<uuid:record_id>": ids["contact"],
        "<uuid:contact_pk>": ids["contact"],
        "<str:key>": ids["webform"].key,
        "<str:token>": "x",
        "<int:step_pk>": ids["journey_step"],
        "<str:step_kind>": "email",
        "<int:number>": 1,
        "<uidb64>": ids["uid"],
        "<token>": ids["reset_token"],
    }
    url = "/" + route + {"timeline": f"?contact={ids['contact']}", "list-bulk": "?action=tag_add"}.get(name, "")
    for placeholder, value in values.items():
        if placeholder in url:
            if value is None:
                return None
            url = url.replace(placeholder, str(getattr(value, "pk", value)))
    return url


def test_every_screen_sends_a_strict_policy_and_needs_no_inline_code(admin_user, world):
    client = Client()
    client.force_login(admin_user)
    problems: dict[str, list[str]] = {}
    pages: set[str] = set()

    for route, name in screen_routes():
        url = url_for(route, name, world)
        assert url is not None, f"no record for {route} ({name})"
        assert "<" not in url, f"no value for a parameter of {route} ({name})"
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            found = policy_problems(response)
            is_html = response.get("Content-Type", "").startswith("text/html")
            if response.status_code == 200 and is_html and not response.streaming:
                pages.add(name)
                found += inline_code(response.content.decode())
            if found:
                problems[f"{url} {headers or ''}"] = found

    missed = {name for _route, name in screen_routes()} - pages - NOT_PAGES
    assert missed == set()
    assert sorted(pages & NOT_PAGES) == []
    assert problems == {}


def test_the_login_and_public_pages_send_the_policy_too(world, admin_user):
    anonymous = Client()
    urls = [
        "/login/",
        f"/password/reset/{world['uid']}/{world['reset_token']}/",
        f"/sales/f/{world['webform'].key}/",
        f"/service/survey/{world['survey_token']}/",
    ]
    problems = {}
    for url in urls:
        response = anonymous.get(url)
        found = policy_problems(response)
        assert response.status_code == 200, url
        found += inline_code(response.content.decode())
        if found:
            problems[url] = found

    assert problems == {}


def test_a_public_web_forms_thanks_page_needs_no_inline_style(world):
    form = world["webform"]
    response = Client().post(
        f"/sales/f/{form.key}/",
        {"first_name": "Ala", "last_name": "Nowak", "email": "ala@example.com", "consent": "1"},
    )

    from accord.sales.models import Lead

    assert response.status_code == 200
    assert Lead.objects.filter(email="ala@example.com").exists()  # the thanks page, not the form again
    assert policy_problems(response) == []
    assert inline_code(response.content.decode()) == []


def test_the_error_pages_need_no_inline_code(client, admin_user):
    from django.template.loader import render_to_string

    for name in ("403.html", "404.html", "500.html"):
        assert inline_code(render_to_string(name)) == [], name


def test_htmx_evaluates_no_code_and_injects_no_styles(admin_user):
    import json

    client = Client()
    client.force_login(admin_user)
    html = client.get("/my-day/").content.decode()

    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'", html).group(1))
    assert (config["allowEval"], config["includeIndicatorStyles"], config["allowScriptTags"]) == (False, False, False)


def test_no_template_carries_inline_code():
    """Templates a GET does not reach (a form shown again with its errors, the recovery codes shown
    once) are held to the same rule."""
    from pathlib import Path

    import accord

    root = Path(accord.__file__).parent
    # Markup a company pastes into its own website (shown here as text): its styles are that
    # website's business.
    for_other_sites = {"_settings_embed_form.html", "_settings_embed_iframe.html"}
    found = {
        str(path.relative_to(root)): problems
        for path in sorted(root.glob("**/templates/**/*.html"))
        if path.name not in for_other_sites and (problems := inline_code(path.read_text()))
    }

    assert found == {}


@pytest.fixture
def portal_world(admin_user: Any, make_company: Any, make_contact: Any, settings: Any) -> dict[str, Any]:
    """A portal customer with a ticket, a sent quote, an order and an issued invoice; a partner."""
    from accord.billing.services import invoices, orders
    from accord.portal.services import invitations
    from accord.sales.services import deals, quotes
    from accord.service.services import knowledge, tickets

    settings.ACCORD_SELLER = {
        "name": "Accord",
        "address": "ul. Prosta 1",
        "tax_id": "5260250995",
        "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    }
    company = make_company(admin_user, name="Alfa")
    contact = make_contact(admin_user, emails=[{"email": "ewa@alfa.example"}], companies=[{"company": company}])
    partner_company = make_company(admin_user, name="Partner")
    partner_contact = make_contact(
        admin_user, emails=[{"email": "piotr@partner.example"}], companies=[{"company": partner_company}]
    )
    lines = [{"description": "X", "quantity": "1", "unit_price": "10", "vat_rate": "23"}]
    deal = deals.create_deal(actor=admin_user, data={"name": "D", "company": company, "lines": lines})
    quote = quotes.send(actor=admin_user, quote=quotes.create_from_deal(actor=admin_user, deal=deal), to="a@b.example")
    order = orders.create_order(actor=admin_user, data={"company": company, "lines": lines})
    order = orders.set_status(actor=admin_user, order=order, status="confirmed")
    invoice = invoices.issue(
        actor=admin_user, invoice=invoices.create_invoice(actor=admin_user, data={"company": company, "lines": lines})
    )
    article = knowledge.create_article(
        actor=admin_user, data={"title": "Printer", "body": "Restart.", "language": "en", "visibility": "public"}
    )
    return {
        "customer": invitations.invite(actor=admin_user, contact=contact).user,
        "partner": invitations.invite(actor=admin_user, contact=partner_contact, kind="partner").user,
        "ticket": tickets.create_ticket(actor=None, contact=contact, subject="Broken", body="It broke."),
        "quote": quote,
        "order": order,
        "invoice": invoice,
        "article": knowledge.publish_article(actor=admin_user, article=article),
    }


def test_every_portal_screen_sends_a_strict_policy(portal_world):
    """The portal's pages, as its customer, its partner and a visitor not signed in."""
    record_of = {"ticket": "ticket", "quote": "quote", "order": "order", "invoice": "invoice", "article": "article"}
    visitors = [Client(), Client(), Client()]
    visitors[0].force_login(portal_world["customer"])
    visitors[1].force_login(portal_world["partner"])
    problems: dict[str, list[str]] = {}
    pages: set[str] = set()
    for route, name in portal_routes():
        key = next((k for prefix, k in record_of.items() if name.startswith(prefix)), None)
        url = "/" + route.replace("<uuid:pk>", str(portal_world[key].pk) if key else "")
        url = url.replace("<uuid:contact_pk>", str(portal_world["ticket"].contact_id)).replace("<str:token>", "x")
        for client in visitors:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                found = policy_problems(response)
                if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                    pages.add(name)
                    found += inline_code(response.content.decode())
                if found:
                    problems[f"{url} {headers or ''}"] = found

    assert {name for _route, name in portal_routes()} - pages - PORTAL_NOT_PAGES == set()
    assert sorted(pages & PORTAL_NOT_PAGES) == []
    assert problems == {}
