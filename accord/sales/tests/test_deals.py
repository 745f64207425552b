"""Deals: amounts and lines, stages and their history, winning and losing."""

import decimal

import pytest
from django.core.exceptions import ValidationError

from accord.core.access import AccessDenied
from accord.core.models import AuditEntry
from accord.sales.models import Deal, DealStageChange, LostReason, Stage
from accord.sales.services import deals, products
from accord.sales.services.lines import totals

D = decimal.Decimal


@pytest.fixture
def widget(admin_user):
    return products.create_product(
        actor=admin_user,
        data={
            "sku": "W-1",
            "name": "Widget",
            "unit": "pcs",
            "vat_rate": "23",
            "prices": [{"currency": "PLN", "price": "100"}, {"currency": "EUR", "price": "25"}],
        },
    )


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def test_a_new_deal_starts_in_the_first_stage_with_its_probability(owner, make_company):
    acme = make_company(owner, name="Acme")

    deal = deals.create_deal(actor=owner, data={"name": "Acme roll-out", "amount": D("12000"), "company": acme})

    assert deal.stage == stage("Qualification")
    assert (deal.status, deal.probability, deal.currency, deal.owner) == ("open", 10, "PLN", owner)
    assert deal.weighted_amount == D("1200.00")
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.amount) == (None, stage("Qualification"), D("12000.00"))


def test_lines_price_from_the_catalogue_and_set_the_amount(owner, widget, make_company):
    deal = deals.create_deal(
        actor=owner,
        data={
            "name": "Widgets",
            "lines": [
                {"product": widget, "quantity": "3", "discount_percent": "10"},
                {"description": "Installation", "unit_price": "500", "vat_rate": "8"},
            ],
        },
    )

    lines = list(deal.lines.all())
    assert [(line.description, line.unit_price, line.vat_rate) for line in lines] == [
        ("Widget", D("100.00"), D("23.00")),
        ("Installation", D("500.00"), D("8.00")),
    ]
    assert deal.amount == D("770.00")  # 3 x 100 less 10%, plus 500
    summary = totals(lines)
    assert (summary.net, summary.vat, summary.gross) == (D("770.00"), D("102.10"), D("872.10"))
    assert summary.by_rate == {
        D("23.00"): {"net": D("270.00"), "vat": D("62.10"), "gross": D("332.10")},
        D("8.00"): {"net": D("500.00"), "vat": D("40.00"), "gross": D("540.00")},
    }


def test_price_list_of_the_customer_group_wins(admin_user, owner, widget, make_company):
    from accord.core.models import Tag

    resellers = Tag.objects.create(name="Reseller")
    products.save_price_list(
        actor=admin_user,
        price_list=None,
        data={"name": "Resellers", "currency": "PLN", "tag": resellers},
        items={widget: "80"},
    )
    shop = make_company(owner, name="Shop", tags=["Reseller"])

    deal = deals.create_deal(
        actor=owner, data={"name": "Resale", "company": shop, "lines": [{"product": widget, "quantity": 1}]}
    )

    assert deal.lines.get().unit_price == D("80.00")


def test_bad_lines_are_reported_per_field(owner, widget):
    with pytest.raises(ValidationError) as caught:
        deals.create_deal(
            actor=owner,
            data={
                "name": "X",
                "currency": "USD",
                "lines": [{"product": widget, "quantity": "0"}, {"description": "", "unit_price": "-1"}],
            },
        )

    assert set(caught.value.message_dict) == {
        "lines.0.quantity",
        "lines.0.unit_price",
        "lines.1.description",
        "lines.1.unit_price",
    }
    assert Deal.objects.count() == 0


def test_moving_through_stages_records_each_change(owner):
    deal = deals.create_deal(actor=owner, data={"name": "D", "amount": 1000})

    deals.move_deal(actor=owner, deal=deal, stage=stage("Proposal"))
    won = deals.win_deal(actor=owner, deal=deal)

    assert (won.status, won.probability) == ("won", 100)
    assert won.closed_at is not None
    history = [(c.from_stage.name if c.from_stage else None, c.to_stage.name) for c in won.stage_changes.all()]
    assert history == [(None, "Qualification"), ("Qualification", "Proposal"), ("Proposal", "Won")]


def test_losing_needs_a_reason(owner):
    deal = deals.create_deal(actor=owner, data={"name": "D"})

    with pytest.raises(ValidationError) as caught:
        deals.lose_deal(actor=owner, deal=deal, reason=None)
    assert "lost_reason" in caught.value.message_dict

    lost = deals.lose_deal(
        actor=owner, deal=deal, reason=LostReason.objects.get(name="Price"), note="20% cheaper elsewhere"
    )
    assert (lost.status, lost.lost_reason.name, lost.lost_note, lost.probability) == (
        "lost",
        "Price",
        "20% cheaper elsewhere",
        0,
    )


def test_reopening_clears_the_close(owner):
    deal = deals.win_deal(actor=owner, deal=deals.create_deal(actor=owner, data={"name": "D"}))

    reopened = deals.move_deal(actor=owner, deal=deal, stage=stage("Negotiation"))

    assert (reopened.status, reopened.closed_at, reopened.probability) == ("open", None, 75)


def test_board_order_places_a_card_between_its_neighbours(owner):
    a, b, c = (deals.create_deal(actor=owner, data={"name": n}) for n in "abc")  # newest on top: c, b, a

    def column():
        return list(
            Deal.objects.filter(stage=stage("Qualification")).order_by("position").values_list("name", flat=True)
        )

    assert column() == ["c", "b", "a"]

    deals.move_deal(actor=owner, deal=a, stage=stage("Qualification"), after=c, before=b)

    assert column() == ["c", "a", "b"]


def test_many_moves_between_the_same_cards_never_collide(owner):
    first, second = (
        deals.create_deal(actor=owner, data={"name": "first"}),
        deals.create_deal(actor=owner, data={"name": "second"}),
    )
    order = [second, first]
    q = stage("Qualification")
    for i in range(80):
        card = deals.create_deal(actor=owner, data={"name": f"n{i}"})
        deals.move_deal(
            actor=owner,
            deal=card,
            stage=q,
            after=Deal.objects.get(pk=order[0].pk),
            before=Deal.objects.get(pk=order[1].pk),
        )
        order.insert(1, card)

    names = list(Deal.objects.filter(stage=q).order_by("position", "id").values_list("name", flat=True))
    assert names == [d.name for d in order]


def test_a_read_only_user_cannot_move_deals(owner, viewer):
    deal = deals.create_deal(actor=owner, data={"name": "D"})

    with pytest.raises(AccessDenied):
        deals.move_deal(actor=viewer, deal=deal, stage=stage("Proposal"))

    deal.refresh_from_db()
    assert deal.stage == stage("Qualification")


def test_updates_are_audited_field_by_field(owner):
    deal = deals.create_deal(actor=owner, data={"name": "D", "amount": 10})

    deals.update_deal(actor=owner, deal=deal, data={"amount": D("25.50"), "next_step": "Call the CFO"})

    entry = AuditEntry.objects.get(object_id=deal.pk, action="update")
    assert entry.changes == {"amount": ["10.00", "25.50"], "next_step": ["", "Call the CFO"]}


def test_default_names_speak_the_users_language_and_an_admins_own_stay_as_typed(db):
    from django.utils import translation

    from accord.sales.models import LostReason, Pipeline, Stage

    pipeline = Pipeline.objects.get(is_default=True)
    proposal = Stage.objects.get(pipeline=pipeline, name="Proposal")
    own = Stage.objects.create(pipeline=pipeline, name="Demo u klienta", position=9, probability=40)
    with translation.override("pl"):
        assert str(pipeline) == "Nowa sprzedaż"
        assert proposal.label == "Oferta"
        assert str(LostReason.objects.get(name="Price")) == "Cena"
        assert str(own) == "Demo u klienta"
    with translation.override("en"):
        assert str(proposal) == "Proposal"


# --- where the amount comes from: typed, or the lines' total ----------------------------------------


def test_adding_the_first_line_keeps_a_typed_amount(owner, widget):
    deal = deals.create_deal(actor=owner, data={"name": "Fleet", "amount": D("48000")})

    deal = deals.update_deal(
        actor=owner, deal=deal, data={"lines": [{"product": widget, "quantity": "3"}]}, expected_version=deal.version
    )

    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source) == (D("48000.00"), "manual")
    assert deals.lines_total(deal) == D("300.00")


def test_a_deal_without_an_amount_follows_its_lines(owner, widget):
    deal = deals.create_deal(actor=owner, data={"name": "Fleet"})

    deals.update_deal(actor=owner, deal=deal, data={"lines": [{"product": widget, "quantity": "2"}]})
    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source) == (D("200.00"), "lines")
    deals.update_deal(actor=owner, deal=deal, data={"lines": []})

    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source) == (D("0.00"), "lines")


def test_choosing_the_lines_total_makes_the_amount_follow_them_and_is_audited(owner, widget):
    deal = deals.create_deal(
        actor=owner, data={"name": "Fleet", "amount": D("48000"), "lines": [{"product": widget, "quantity": "50"}]}
    )
    assert (deal.amount, deal.amount_source) == (D("48000.00"), "manual")

    deals.update_deal(actor=owner, deal=deal, data={"amount_source": "lines"}, expected_version=deal.version)
    deal.refresh_from_db()
    deals.update_deal(actor=owner, deal=deal, data={"lines": [{"product": widget, "quantity": "60"}]})

    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source) == (D("6000.00"), "lines")
    entries = AuditEntry.objects.filter(object_id=deal.pk, action="update").order_by("at", "id")
    assert entries[0].changes == {"amount": ["48000.00", "5000.00"], "amount_source": ["manual", "lines"]}


def test_typing_an_amount_on_a_deal_following_its_lines_makes_it_manual(owner, widget):
    deal = deals.create_deal(actor=owner, data={"name": "Fleet", "lines": [{"product": widget, "quantity": "2"}]})

    deals.update_deal(actor=owner, deal=deal, data={"amount": D("999")})
    deals.update_deal(actor=owner, deal=deal, data={"lines": [{"product": widget, "quantity": "5"}]})

    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source) == (D("999.00"), "manual")


def test_an_amount_that_contradicts_the_lines_total_is_refused(owner, widget):
    deal = deals.create_deal(actor=owner, data={"name": "Fleet", "lines": [{"product": widget, "quantity": "2"}]})

    with pytest.raises(ValidationError) as refused:
        deals.update_deal(actor=owner, deal=deal, data={"amount_source": "lines", "amount": D("5")})
    with pytest.raises(ValidationError) as unknown:
        deals.update_deal(actor=owner, deal=deal, data={"amount_source": "guess"})

    assert list(refused.value.message_dict) == ["amount"]
    assert list(unknown.value.message_dict) == ["amount_source"]
    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source, deal.version) == (D("200.00"), "lines", 1)


def test_spreading_out_a_column_is_set_based(owner, django_assert_max_num_queries):
    q = stage("Qualification")
    template = deals.create_deal(actor=owner, data={"name": "template"})
    Deal.objects.bulk_create(
        Deal(name=f"d{i}", pipeline_id=template.pipeline_id, stage=q, owner=owner, position=1.0 + i / 10**9)
        for i in range(1500)
    )
    before = list(Deal.objects.filter(stage=q).order_by("position", "id").values_list("pk", flat=True))

    with django_assert_max_num_queries(4):
        deals._renumber(q)

    after = list(Deal.objects.filter(stage=q).order_by("position", "id").values_list("pk", "position"))
    assert [pk for pk, _ in after] == before
    assert [position for _, position in after] == [i * deals.GAP for i in range(len(before))]


@pytest.mark.parametrize("change", ["product", "vat_rate"])
def test_changing_only_a_lines_product_or_vat_rate_is_a_new_version_with_an_audit_entry(
    owner, admin_user, widget, change
):
    gadget = products.create_product(
        actor=admin_user,
        data={"sku": "G-2", "name": "Gadget", "vat_rate": "23", "prices": [{"currency": "PLN", "price": "100"}]},
    )
    line = {"product": widget, "description": "Item", "quantity": "1", "unit_price": "100", "vat_rate": "23"}
    deal = deals.create_deal(actor=owner, data={"name": "D", "lines": [line]})
    audited = AuditEntry.objects.count()

    changed = {**line, "product": gadget} if change == "product" else {**line, "vat_rate": "8"}
    updated = deals.update_deal(actor=owner, deal=deal, data={"lines": [changed]}, expected_version=deal.version)

    assert updated.version == deal.version + 1
    assert AuditEntry.objects.count() == audited + 1
    stored = updated.lines.get()
    assert (stored.product_id, stored.vat_rate) == (
        (gadget.pk, D("23")) if change == "product" else (widget.pk, D("8"))
    )


def test_the_system_creating_a_deal_without_an_owner_gets_an_error_naming_the_owner(owner, make_company):
    acme = make_company(owner, name="Acme")

    with pytest.raises(ValidationError) as caught:
        deals.create_deal(actor=None, data={"name": "Nobody's", "company": acme})

    assert caught.value.message_dict["owner"] == ["This field is required."]
    assert not Deal.objects.exists()
