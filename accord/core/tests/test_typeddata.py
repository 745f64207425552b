"""Service inputs built from run-time keys are checked against the service's TypedDict."""

import pytest

from accord.activities import services as activities
from accord.people import services as people


def test_loose_data_with_only_declared_keys_passes_as_it_is():
    data = {"first_name": "Anna", "tags": ["VIP"], "owner": None}

    assert people.contact_data(data) == data
    assert activities.task_data({"title": "Call back", "due_at": None}) == {"title": "Call back", "due_at": None}


@pytest.mark.parametrize(
    ("convert", "data", "key"),
    [
        (people.contact_data, {"first_name": "Anna", "firstname": "typo"}, "firstname"),
        (people.company_data, {"name": "Acme", "first_name": "Anna"}, "first_name"),
        (activities.interaction_data, {"subject": "Call", "title": "Call"}, "title"),
        (activities.task_data, {"title": "Call back", "subject": "x"}, "subject"),
    ],
)
def test_a_key_the_service_does_not_take_is_a_callers_mistake_not_silently_dropped(convert, data, key):
    with pytest.raises(TypeError, match=repr(key)):
        convert(data)
