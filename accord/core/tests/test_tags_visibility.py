"""Tag names are seen only by those who can see a record carrying them."""

from accord.core.selectors import visible_tags


def test_another_teams_tags_stay_hidden_from_a_rep(api, login, owner, outsider, admin_user, make_contact, make_company):
    make_contact(outsider, tags=["Competitor's client"])
    make_company(outsider, name="South Ltd", tags=["To be dropped"])
    make_contact(owner, tags=["VIP"])

    names = [t["name"] for t in api(owner).get("/tags").json()]
    assert names == ["VIP"]
    assert {t.name for t in visible_tags(outsider)} == {"Competitor's client", "To be dropped"}
    assert [t["name"] for t in api(admin_user).get("/tags").json()] == ["Competitor's client", "To be dropped", "VIP"]

    page = login(owner).get("/contacts/").content.decode()
    assert "VIP" in page
    assert "Competitor" not in page
    assert "To be dropped" not in page
