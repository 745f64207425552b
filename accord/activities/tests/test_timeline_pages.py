"""A contact's timeline mixes what was logged on the contact with meetings they took part in and files
attached to them; paged, it still shows every entry once, newest first, however they interleave and
wherever times tie."""

import datetime
import re

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accord.activities import selectors, services
from accord.core import attachments
from accord.core.models import Attachment


def walk(contact, channel=""):
    seen, cursor = [], ""
    while True:
        page = selectors.timeline(contact, cursor=cursor, channel=channel)
        assert len(page.items) <= selectors.TIMELINE_PAGE_SIZE
        seen.extend(page.items)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def test_own_entries_and_meetings_taken_part_in_interleave_in_time_order(owner, make_contact):
    guest, host = make_contact(owner), make_contact(owner)
    start = timezone.now() - datetime.timedelta(days=200)
    logged = []
    for n in range(70):
        # Every third entry is someone else's meeting the guest attended; pairs of entries share a time.
        when = start + datetime.timedelta(hours=n // 2)
        if n % 3 == 0:
            data = {"channel": "meeting", "contact": host, "participants": [guest], "occurred_at": when}
        else:
            data = {"channel": "note", "contact": guest, "subject": f"n{n}", "occurred_at": when}
        logged.append(services.log_interaction(actor=owner, data=data))

    seen = walk(guest)

    expected = sorted(logged, key=lambda i: (i.occurred_at, i.pk), reverse=True)
    assert [i.pk for i in seen] == [i.pk for i in expected]


def test_a_meeting_logged_on_the_contact_who_also_attends_appears_once(owner, make_contact):
    guest = make_contact(owner)
    meeting = services.log_interaction(
        actor=owner, data={"channel": "meeting", "contact": guest, "participants": [guest]}
    )

    assert walk(guest) == [meeting]


def test_a_channel_filter_applies_to_both_kinds_of_entry(owner, make_contact):
    guest, host = make_contact(owner), make_contact(owner)
    meeting = services.log_interaction(
        actor=owner, data={"channel": "meeting", "contact": host, "participants": [guest]}
    )
    services.log_interaction(actor=owner, data={"channel": "note", "contact": guest, "subject": "x"})

    assert walk(guest, channel="meeting") == [meeting]
    assert [i.channel for i in walk(guest, channel="note")] == ["note"]


def test_entries_added_while_paging_are_neither_repeated_nor_skipped(owner, make_contact):
    guest, host = make_contact(owner), make_contact(owner)
    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(40):
        data = {
            "channel": "note",
            "contact": guest,
            "subject": f"n{n}",
            "occurred_at": start + datetime.timedelta(hours=n),
        }
        services.log_interaction(actor=owner, data=data)
    first = selectors.timeline(guest)
    # A new meeting at the very time of the last entry shown; newer ids sort first within a tie.
    tie = first.items[-1].occurred_at
    services.log_interaction(
        actor=owner, data={"channel": "meeting", "contact": host, "participants": [guest], "occurred_at": tie}
    )

    rest = []
    cursor = first.next_cursor
    while cursor:
        page = selectors.timeline(guest, cursor=cursor)
        rest.extend(page.items)
        cursor = page.next_cursor

    ids = [i.pk for i in first.items + rest]
    assert len(ids) == len(set(ids))
    assert {i.subject for i in first.items + rest if i.channel == "note"} == {f"n{n}" for n in range(40)}


def test_files_attached_to_a_contact_take_their_place_in_the_timeline(owner, make_contact):
    guest = make_contact(owner)
    start = timezone.now() - datetime.timedelta(days=10)
    logged = []
    for n in range(30):
        when = start + datetime.timedelta(hours=n)
        if n % 4 == 0:
            attachment = attachments.attach_file(
                actor=owner, record=guest, upload=ContentFile(b"x", name=f"scan-{n}.pdf")
            )
            Attachment.objects.filter(pk=attachment.pk).update(created_at=when)
            attachment.created_at = when
            logged.append(attachment)
        else:
            data = {"channel": "note", "contact": guest, "subject": f"n{n}", "occurred_at": when}
            logged.append(services.log_interaction(actor=owner, data=data))

    seen = walk(guest)
    only_files = walk(guest, channel="files")
    only_notes = walk(guest, channel="note")

    def when(entry):
        return entry.created_at if isinstance(entry, Attachment) else entry.occurred_at

    assert [e.pk for e in seen] == [e.pk for e in sorted(logged, key=lambda e: (when(e), e.pk), reverse=True)]
    assert [a.file_name for a in only_files] == [f"scan-{n}.pdf" for n in (28, 24, 20, 16, 12, 8, 4, 0)]
    assert len(only_notes) == 22
    assert not any(isinstance(e, Attachment) for e in only_notes)


def test_the_timeline_shows_a_file_with_its_download_link(client, owner, make_company):
    acme = make_company(owner, name="Acme")
    attachment = attachments.attach_file(actor=owner, record=acme, upload=ContentFile(b"x", name="contract.pdf"))
    client.force_login(owner)

    html = client.get(reverse("activities:timeline"), {"company": acme.pk}).content.decode()

    assert "File attached" in html
    assert f'href="{reverse("core:attachment-download", args=[attachment.pk])}">contract.pdf</a>' in html


def test_a_malformed_cursor_or_key_is_a_clear_refusal_not_a_crash(login, owner, make_contact):
    contact = make_contact(owner)
    client = login(owner)
    url = reverse("activities:timeline")

    for cursor in ("garbage", "eyJ4IjogMX0", "W10", "%%%", "WyIyMDI2LTAxLTAxIiwgIm5vdCBhIHV1aWQiXQ"):
        response = client.get(url, {"contact": contact.pk, "cursor": cursor})
        assert response.status_code == 400, cursor
        assert "cursor" in response.content.decode()
    assert client.get(url, {"contact": "not-a-uuid"}).status_code == 404


def test_show_older_answers_with_the_panels_entries_alone_and_the_page_shows_the_same_entries(
    login, owner, make_contact
):
    """The entries are a partial of the panel ("activities/_timeline.html#items"): in place on the
    contact's page, alone for "Show older"."""
    contact = make_contact(owner)
    start = timezone.now() - datetime.timedelta(days=10)
    for n in range(selectors.TIMELINE_PAGE_SIZE + 3):
        when = start + datetime.timedelta(hours=n)
        data = {"channel": "note", "contact": contact, "subject": f"entry-{n:03}", "occurred_at": when}
        services.log_interaction(actor=owner, data=data)
    client = login(owner)
    first = selectors.timeline(contact)

    page = client.get(reverse("people:contact-detail", args=[contact.pk])).content.decode()
    more = client.get(
        reverse("activities:timeline"),
        {"contact": contact.pk, "cursor": first.next_cursor},
        headers={"HX-Request": "true"},
    )

    panel = more.templates[0]
    assert (panel.origin.template_name, panel.name) == ("activities/_timeline.html", "items")
    older = more.content.decode()
    # "Show older": the three oldest entries, and nothing of the panel or the page around them
    assert [f"entry-{n:03}" for n in (2, 1, 0)] == re.findall(r"<span>(entry-\d+)</span>", older)
    assert older.count('<li class="timeline-item">') == 3
    assert "<html" not in older
    assert 'id="timeline-panel"' not in older
    assert "data-composer" not in older
    # The page: the newest entries in the same markup, in the panel's list, with the way to older ones
    newest = re.findall(r"<span>(entry-\d+)</span>", page)
    assert newest[0] == f"entry-{selectors.TIMELINE_PAGE_SIZE + 2:03}"
    assert len(newest) == selectors.TIMELINE_PAGE_SIZE
    assert '<ol class="timeline" id="timeline-items">' in page
    assert page.count('<li class="timeline-item">') == selectors.TIMELINE_PAGE_SIZE
    assert 'id="timeline-more"' in page
    assert 'id="timeline-more"' not in older
