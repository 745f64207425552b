"""Property-based requests from the OpenAPI schema (schemathesis): whatever a client sends, the API
answers with a documented error, never a 500."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings

from accord.activities import services as activities
from accord.identity import services as identity
from accord.identity.models import Role, Team, User
from accord.people import services as people
from accord.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """Requests here go straight to the WSGI application, which closes the database connection
    after each one; inside a test that is the test's own transaction. Django's test client
    detaches the same hook."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db: Any) -> str:
    """A manager with a few records, so generated ids sometimes hit and writes get exercised."""
    team = Team.objects.create(name="Fuzz")
    user = User.objects.create_user(username="fuzz", password="x" * 12, role=Role.objects.get(code=Role.MANAGER))
    user.teams.add(team)
    team.managers.add(user)
    company = people.create_company(actor=user, data={"name": "Acme"})
    contact = people.create_contact(actor=user, data={"first_name": "Ola", "companies": [{"company": company}]})
    activities.log_interaction(actor=user, data={"channel": "note", "contact": contact})
    activities.create_task(actor=user, data={"title": "Call", "contact": contact})
    _, raw = identity.create_token(user=user)
    return raw


@schema.parametrize()
# Derandomized: the same examples every run, so a red run is reproducible, not a coin toss.
# ACCORD_FUZZ_EXAMPLES raises the count for a deeper run (a few hundred per operation).
@settings(
    max_examples=int(os.environ.get("ACCORD_FUZZ_EXAMPLES", "15")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_api_fail(case: Any, bearer: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {bearer}"}
    response = case.call()

    summary = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, summary


# --- sequences: records created by one call are read, changed and deleted by the next ones -------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_no_sequence_of_requests_makes_the_api_fail(bearer: str, role: str) -> None:
    """Stateful: schemathesis links the operations by the ids their responses carry (POST /contacts
    -> GET/PATCH/DELETE /contacts/{id} ...), so generated calls reach records that exist; as an
    admin the settings (pipelines, products, lost reasons, web forms) are written too."""
    if role == Role.ADMIN:
        User.objects.filter(username="fuzz").update(role=Role.objects.get(code=Role.ADMIN))
    machine = schema.as_state_machine()

    class Sequence(machine):  # type: ignore[misc, valid-type]
        # Each sequence starts from the same records: what one wrote is rolled back before the
        # next, so a replayed sequence meets the same answers (Hypothesis insists on it).
        def setup(self) -> None:
            self.savepoint = transaction.savepoint_create()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {bearer}"}}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            summary = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
            assert response.status_code < 500, summary

    Sequence.run(
        settings=settings(
            max_examples=int(os.environ.get("ACCORD_FUZZ_SEQUENCES", "20")),
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
