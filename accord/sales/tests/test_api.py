"""The sales API: leads, conversion, deals and moves, pipelines, products."""

from decimal import Decimal

from accord.sales.models import Deal, Lead, LostReason, Product, Stage


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def test_lead_round_trip_and_conversion(api, owner):
    client = api(owner)

    created = client.post(
        "/leads",
        {
            "first_name": "Ola",
            "last_name": "Lis",
            "email": "OLA@firma.pl",
            "company_name": "Firma",
            "source": "referral",
        },
    )
    lead_id = created.json()["id"]
    converted = client.post(f"/leads/{lead_id}/convert", {"deal_name": "Firma pilot", "amount": "9900"})

    assert created.status_code == 201
    assert created.json()["email"] == "ola@firma.pl"
    assert converted.status_code == 200, converted.content
    body = converted.json()
    assert body["matched_contact"] is False
    deal = client.get(f"/deals/{body['deal_id']}").json()
    assert (deal["name"], deal["amount"], deal["stage"]) == ("Firma pilot", "9900.00", "Qualification")
    assert client.get(f"/leads/{lead_id}").json()["status"] == "converted"


def test_lead_errors_are_per_field(api, owner):
    response = api(owner).post("/leads", {"email": "nope", "phone": "12", "source": "pigeon"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email", "phone", "source"}
    assert not Lead.objects.exists()


def test_deal_with_lines_and_a_move_to_lost(api, owner, admin_user):
    product = api(admin_user).post(
        "/products",
        {
            "sku": "SRV-1",
            "name": "Service hour",
            "unit": "h",
            "vat_rate": "23",
            "prices": [{"currency": "PLN", "price": "150"}],
        },
    )
    client = api(owner)

    created = client.post(
        "/deals", {"name": "Support", "lines": [{"product_id": product.json()["id"], "quantity": "10"}]}
    )
    deal_id = created.json()["id"]
    no_reason = client.post(f"/deals/{deal_id}/move", {"stage_id": str(stage("Lost").pk)})
    lost = client.post(
        f"/deals/{deal_id}/move",
        {"stage_id": str(stage("Lost").pk), "lost_reason_id": str(LostReason.objects.get(name="Price").pk)},
    )

    assert product.status_code == 201
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "1500.00"
    assert created.json()["lines"][0]["gross"] == "1845.00"
    assert no_reason.status_code == 422
    assert "lost_reason" in no_reason.json()["errors"]
    assert (lost.json()["status"], lost.json()["lost_reason"]) == ("lost", "Price")


def test_moving_with_a_stale_version_is_a_conflict(api, owner):
    client = api(owner)
    deal_id = client.post("/deals", {"name": "D"}).json()["id"]
    client.patch(f"/deals/{deal_id}", {"next_step": "Call"})

    response = client.post(f"/deals/{deal_id}/move", {"stage_id": str(stage("Proposal").pk), "version": 1})

    assert response.status_code == 409
    assert Deal.objects.get(pk=deal_id).stage == stage("Qualification")


def test_deals_list_is_scoped_and_filtered(api, owner, outsider):
    api(owner).post("/deals", {"name": "Mine"})
    api(outsider).post("/deals", {"name": "Theirs"})

    mine = api(owner).get("/deals", {"status": "open"}).json()["items"]
    bad = api(owner).get("/deals", {"salary": "1"})

    assert [d["name"] for d in mine] == ["Mine"]
    assert bad.status_code == 400


def test_reps_cannot_edit_the_catalogue(api, owner):
    response = api(owner).post("/products", {"sku": "X", "name": "X"})

    assert response.status_code == 403


def test_pipelines_are_listed_with_their_stages(api, owner):
    pipelines = api(owner).get("/pipelines").json()

    assert [p["name"] for p in pipelines] == ["New business"]
    assert [s["name"] for s in pipelines[0]["stages"]] == [
        "Qualification",
        "Needs analysis",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]


def test_api_lines_keep_a_typed_amount_like_the_screen_until_the_lines_total_is_chosen(api, owner):
    client = api(owner)
    created = client.post("/deals", {"name": "Fleet", "amount": "48000"}).json()

    with_line = client.patch(
        f"/deals/{created['id']}", {"lines": [{"description": "Tyres", "quantity": "4", "unit_price": "1260"}]}
    )
    contradicting = client.patch(f"/deals/{created['id']}", {"amount_source": "lines", "amount": "1"})
    following = client.patch(f"/deals/{created['id']}", {"amount_source": "lines"})
    schema = client.get("/openapi.json").json()["components"]["schemas"]

    assert (created["amount"], created["amount_source"], created["lines_total"]) == ("48000.00", "manual", "0.00")
    assert (with_line.json()["amount"], with_line.json()["amount_source"], with_line.json()["lines_total"]) == (
        "48000.00",
        "manual",
        "5040.00",
    )
    assert contradicting.status_code == 422
    assert list(contradicting.json()["errors"]) == ["amount"]
    assert (following.json()["amount"], following.json()["amount_source"]) == ("5040.00", "lines")
    assert schema["DealPatch"]["properties"]["amount_source"]["description"].startswith("Where the amount comes from.")
    assert schema["DealOut"]["properties"]["amount_source"]["enum"] == ["manual", "lines"]


def test_patching_a_product_with_null_prices_is_400_and_changes_nothing(api, admin_user):
    created = api(admin_user).post(
        "/products", {"sku": "NULL-1", "name": "Widget", "prices": [{"currency": "PLN", "price": "10.00"}]}
    )
    assert created.status_code == 201, created.content
    product_id = created.json()["id"]

    response = api(admin_user).patch(f"/products/{product_id}", {"name": "Renamed", "prices": None})

    assert response.status_code == 400
    message = "prices must be a list of prices, each with a currency and a price."
    assert response.json() == {"message": message, "errors": {"prices": [message]}}
    product = Product.objects.get(pk=product_id)
    assert (product.name, product.version) == ("Widget", 1)
    assert list(product.prices.values_list("currency", "price")) == [("PLN", Decimal("10.00"))]


def test_an_owner_out_of_reach_reads_as_one_that_does_not_exist(api, owner, outsider):
    import uuid

    client = api(owner)
    answers = [
        client.post(path, {**body, "owner_id": str(owner_id)})
        for path, body in (("/leads", {"last_name": "Lis"}), ("/deals", {"name": "Support"}))
        for owner_id in (outsider.pk, uuid.uuid4())
    ]

    assert [a.status_code for a in answers] == [422] * 4
    neutral = {"owner_id": ["No such user, or you may not give records to them."]}
    assert [a.json()["errors"] for a in answers] == [neutral] * 4
    assert not Lead.objects.exists()
    assert not Deal.objects.exists()
