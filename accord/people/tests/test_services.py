"""Contact and company services: limits on what one record carries."""

import pytest
from django.core.exceptions import ValidationError

from accord.core.models import Tag
from accord.people import services


def test_a_record_carries_at_most_fifty_tags_and_a_longer_list_is_refused_whole(owner, make_contact):
    contact = make_contact(owner, tags=["VIP"])

    with pytest.raises(ValidationError) as caught:
        services.update_contact(actor=owner, contact=contact, data={"tags": [f"t{n}" for n in range(20_000)]})

    assert "50" in caught.value.message_dict["tags"][0]
    contact.refresh_from_db()
    assert [t.name for t in contact.tags.all()] == ["VIP"]
    assert not Tag.objects.filter(name="t1").exists()
    ok = services.update_contact(
        actor=owner, contact=contact, data={"tags": [f"t{n}" for n in range(services.MAX_TAGS)]}
    )
    assert ok.tags.count() == services.MAX_TAGS
