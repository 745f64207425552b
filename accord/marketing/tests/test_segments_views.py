"""The segment screens: they render (without inline script or style), the rule builder round-trips
what it shows, its buttons and live count answer over HTMX, and the members' export, call list,
file import and the contact list's "Add to list" work for the user's own contacts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.activities.models import Task
from accord.marketing.models import Segment, SegmentMember
from accord.marketing.services import segments as services

pytestmark = pytest.mark.django_db

NESTED = {
    "match": "any",
    "rules": [
        {"type": "email_domain", "domain": "acme.pl"},
        {"match": "all", "rules": [{"type": "language", "value": "ru"}, {"type": "no_interaction", "days": 30}]},
    ],
}


class _Form(HTMLParser):
    """The values a browser would post from the segment form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first: str | None = None
        self._chosen = False
        self._in_form = 0
        self._text: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "segment-form" in a.get("class", ""):
            self._in_form = 1
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "file"):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._text = a["name"]
        elif tag == "select":
            self._select, self._first, self._chosen = a.get("name"), None, False
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._chosen = True

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self.fields.append((self._text, data))
            self._text = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._chosen:
                self.fields.append((self._select, self._first or ""))
            self._select = None
        if tag == "form" and self._in_form:
            self._in_form = 0


def _posted(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    return dict(parser.fields)


def _no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html


def test_pages_render_for_a_rep(world: Any, login: Any) -> None:
    client = login(world.owner)
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": NESTED})
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static"})
    services.add_members(actor=world.owner, segment=lst, contacts=[world.contacts["anna"]])
    for url in (
        reverse("marketing:segment-list"),
        reverse("marketing:segment-create"),
        reverse("marketing:segment-create") + "?kind=static",
        reverse("marketing:segment-detail", args=[segment.pk]),
        reverse("marketing:segment-edit", args=[segment.pk]),
        reverse("marketing:segment-delete", args=[segment.pk]),
        reverse("marketing:segment-detail", args=[lst.pk]),
        reverse("marketing:segment-member-import", args=[lst.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _no_inline_code(response.content.decode())
    listing = client.get(reverse("marketing:segment-list")).content.decode()
    assert "Acme" in listing
    assert "Fair" in listing
    assert 'href="/marketing/segments/"' in listing  # the sidebar's Marketing section
    detail = client.get(reverse("marketing:segment-detail", args=[segment.pk])).content.decode()
    assert "2 members you can see" in detail  # Anna and Ewa; Piotr is another team's


def test_builder_round_trips_what_it_shows(world: Any, login: Any) -> None:
    client = login(world.owner)
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": NESTED})
    page = client.get(reverse("marketing:segment-edit", args=[segment.pk])).content.decode()
    data = _posted(page)
    # Enter in a field presses the form's first submit button: it must save, not edit the rules.
    first_button = re.search(r"<button[^>]*type=\"submit\"[^>]*>", page[page.index("segment-form") :])
    assert first_button is not None
    assert "name=" not in first_button.group(0)
    assert data["n__match"] == "any"
    assert data["n.1__match"] == "all"
    assert data["n.1.1__days"] == "30"
    data["name"] = "Acme or quiet Russians"
    response = client.post(reverse("marketing:segment-edit", args=[segment.pk]), data)
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "Acme or quiet Russians"
    assert segment.rules == NESTED


def test_builder_buttons_add_and_remove_rules_and_groups(world: Any, login: Any) -> None:
    client = login(world.owner)
    url = reverse("marketing:segment-builder")
    base = {"n__match": "all", "n.0__type": "language", "n.0__value": "pl"}
    added = client.post(url, {**base, "op": "add_group:n"}, HTTP_HX_REQUEST="true")
    assert added.status_code == 200
    assert added["HX-Trigger"] == "rules-changed"
    fields = _posted("<form class='segment-form'>" + added.content.decode() + "</form>")
    assert fields["n.0__value"] == "pl"
    assert fields["n.1__match"] == "any"
    assert fields["n.1.0__type"] == "language"
    removed = client.post(url, {**fields, "op": "remove:n.0"}).content.decode()
    assert 'name="n.0__match"' in removed
    assert 'name="n.1__type"' not in removed
    # A rule's new type shows that type's parameters
    switched = client.post(url, {"n__match": "all", "n.0__type": "bought_product", "n.0__value": "pl"}).content.decode()
    assert 'name="n.0__product"' in switched
    assert 'name="n.0__days"' in switched
    assert 'name="n.0__value"' not in switched


def test_live_count_and_preview(world: Any, login: Any) -> None:
    client = login(world.owner)
    url = reverse("marketing:segment-count")
    answer = client.post(url, {"n__match": "all", "n.0__type": "email_domain", "n.0__domain": "acme.pl"})
    html = answer.content.decode()
    assert "<strong data-segment-count>2</strong>" in html
    assert "Anna Nowak" in html
    assert "Ewa Zielińska" in html
    assert "Piotr" not in html
    bad = client.post(url, {"n__match": "all", "n.0__type": "interaction", "n.0__channel": "phone", "n.0__days": "x"})
    assert "Rule 1 (Had an interaction): in the last … days: enter a whole number." in bad.content.decode()


def test_saving_bad_rules_shows_them_and_stores_nothing(world: Any, login: Any) -> None:
    client = login(world.owner)
    response = client.post(
        reverse("marketing:segment-create"),
        {
            "name": "Bad",
            "kind": "dynamic",
            "n__match": "all",
            "n.0__type": "spent_over",
            "n.0__amount": "",
            "n.0__days": "30",
        },
    )
    assert response.status_code == 422
    assert "Rule 1 (Spent more than): amount (base currency): this is required." in response.content.decode()
    assert not Segment.objects.exists()


def test_new_segment_saved_from_the_form(world: Any, login: Any) -> None:
    client = login(world.owner)
    response = client.post(
        reverse("marketing:segment-create"),
        {
            "name": "Phone people",
            "kind": "dynamic",
            "n__match": "all",
            "n.0__type": "preferred_channel",
            "n.0__value": "phone",
        },
    )
    segment = Segment.objects.get()
    assert response["Location"] == reverse("marketing:segment-detail", args=[segment.pk])
    assert segment.rules == {"match": "all", "rules": [{"type": "preferred_channel", "value": "phone"}]}


def test_export_holds_the_users_members(world: Any, login: Any) -> None:
    segment = services.create_segment(actor=world.admin, data={"name": "Acme", "rules": NESTED})
    rows = b"".join(login(world.admin).get(reverse("marketing:segment-export", args=[segment.pk])).streaming_content)
    text = rows.decode("utf-8")
    assert text.splitlines()[0].startswith("ID,First name,Last name,E-mail")
    assert {line.split(",")[3] for line in text.splitlines()[1:]} == {
        "anna@acme.pl",
        "ewa@acme.pl",
        "piotr@acme.pl",  # Olga is Russian but spoke to us 20 days ago
    }


def test_export_needs_the_export_permission(world: Any, viewer: Any, login: Any) -> None:
    viewer.role.can_export = False
    viewer.role.save()
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": NESTED})
    assert login(viewer).get(reverse("marketing:segment-export", args=[segment.pk])).status_code == 403


def test_make_call_list_from_the_page(world: Any, login: Any) -> None:
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": NESTED})
    response = login(world.owner).post(
        reverse("marketing:segment-call-list", args=[segment.pk]), {"title": "Fair follow-up", "due_on": "2030-01-15"}
    )
    assert response.status_code == 302
    tasks = Task.objects.filter(related_id=segment.pk)
    assert {(t.contact_id, t.owner_id, t.due_at.date().isoformat()) for t in tasks} == {
        (world.contacts["anna"].pk, world.owner.pk, "2030-01-15"),
        (world.contacts["ewa"].pk, world.owner.pk, "2030-01-15"),
    }


def test_import_page_lists_bad_rows(world: Any, login: Any) -> None:
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static"})
    upload = SimpleUploadedFile("list.csv", b"e-mail\nanna@acme.pl\nwho@where.pl\n", content_type="text/csv")
    html = login(world.owner).post(reverse("marketing:segment-member-import", args=[lst.pk]), {"file": upload})
    text = html.content.decode()
    assert "1 contact added, 0 already on the list, 1 row not used." in text
    assert "<td>3</td><td>who@where.pl</td>" in text
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [world.contacts["anna"].pk]


def test_add_by_hand_and_remove_on_the_page(world: Any, login: Any) -> None:
    client = login(world.owner)
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static"})
    client.post(reverse("marketing:segment-member-add", args=[lst.pk]), {"contact": "JAN@gmail.com"})
    client.post(reverse("marketing:segment-member-add", args=[lst.pk]), {"contact": "piotr@acme.pl"})  # not theirs
    assert set(SegmentMember.objects.values_list("contact_id", flat=True)) == world.ids("jan")
    client.post(reverse("marketing:segment-member-remove", args=[lst.pk, world.contacts["jan"].pk]))
    assert not SegmentMember.objects.exists()


def test_add_to_list_bulk_action_on_the_contact_list(world: Any, login: Any) -> None:
    client = login(world.owner)
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static"})
    contact_list = client.get(reverse("people:contact-list")).content.decode()
    assert f'formaction="{reverse("marketing:segment-add-to-list")}"' in contact_list
    ids = [str(world.contacts["anna"].pk), str(world.contacts["ewa"].pk), str(world.contacts["piotr"].pk)]
    url = reverse("marketing:segment-add-to-list")
    confirm = client.get(url, {"id": ids})
    assert confirm.status_code == 200
    assert "2 contacts selected." in confirm.content.decode()
    done = client.post(url, {"id": ids, "segment": str(lst.pk), "confirm": "1"})
    assert done.status_code == 302
    assert set(SegmentMember.objects.values_list("contact_id", flat=True)) == world.ids("anna", "ewa")
    # With no filter at all it must say "everything"
    refused = client.post(url, {"segment": str(lst.pk), "confirm": "1"})
    assert refused.status_code == 422
    assert client.post(url, {"segment": str(lst.pk), "confirm": "1", "everything": "1"}).status_code == 302
    assert set(SegmentMember.objects.values_list("contact_id", flat=True)) == world.ids("anna", "ewa", "jan")


def test_list_and_detail_pages_do_not_query_per_row(world: Any, login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.admin)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.create_segment(actor=world.admin, data={"name": "One", "rules": NESTED})
    few = queries(reverse("marketing:segment-list"))
    for n in range(5):
        services.create_segment(actor=world.owner, data={"name": f"More {n}"})
    assert queries(reverse("marketing:segment-list")) == few
    small = services.create_segment(actor=world.admin, data={"name": "Russians", "rules": _RU})
    everyone = services.create_segment(actor=world.admin, data={"name": "Everyone"})
    assert queries(reverse("marketing:segment-detail", args=[everyone.pk])) == queries(
        reverse("marketing:segment-detail", args=[small.pk])
    )


_RU = {"match": "all", "rules": [{"type": "language", "value": "ru"}]}


def test_a_stale_edit_is_refused_and_removing_from_a_segment_is_explained(world: Any, login: Any) -> None:
    client = login(world.owner)
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": NESTED})
    services.update_segment(actor=world.owner, segment=segment, data={"name": "Acme 2"})
    stale = client.post(
        reverse("marketing:segment-edit", args=[segment.pk]),
        {"name": "Mine", "version": "1", "n__match": "all", "n.0__type": "language", "n.0__value": "pl"},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()
    segment.refresh_from_db()
    assert segment.name == "Acme 2"
    removed = client.post(
        reverse("marketing:segment-member-remove", args=[segment.pk, world.contacts["anna"].pk]), follow=True
    )
    assert "Members are added to static lists only." in removed.content.decode()
