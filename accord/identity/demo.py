"""Demo users in every role, their teams and territories."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from accord.core.demos import DEMO_PASSWORD, DemoContext
from accord.identity.models import Role, Team, Territory, User

USERS = [
    # username, first, last, role, teams, territories, language
    ("admin", "Alicja", "Admin", Role.ADMIN, [], [], "en"),
    ("manager", "Marek", "Zieliński", Role.MANAGER, ["Sales Poland", "Sales Baltics & East"], [], "pl"),
    ("anna", "Anna", "Kowalska", Role.SALES_REP, ["Sales Poland"], ["Mazowieckie"], "pl"),
    ("piotr", "Piotr", "Wiśniewski", Role.SALES_REP, ["Sales Poland"], ["Małopolskie"], "pl"),
    ("jonas", "Jonas", "Petrauskas", Role.SALES_REP, ["Sales Baltics & East"], ["Lietuva"], "lt"),
    ("ioana", "Ioana", "Popescu", Role.SALES_REP, ["Sales Baltics & East"], ["România"], "ro"),
    ("olga", "Olga", "Smirnova", Role.SALES_REP, ["Sales Baltics & East"], ["Russia"], "ru"),
    ("support", "Sebastian", "Lewandowski", Role.SUPPORT_AGENT, ["Customer Service"], [], "pl"),
    ("marketer", "Maria", "Dąbrowska", Role.MARKETER, ["Marketing"], [], "pl"),
    ("viewer", "Victor", "Read", Role.READ_ONLY, ["Sales Poland"], [], "en"),
]
TERRITORIES = {
    "Mazowieckie": "Warsaw and the Mazovian voivodeship",
    "Małopolskie": "Kraków and Lesser Poland",
    "Lietuva": "Lithuania",
    "România": "Romania",
    "Russia": "Russian Federation",
}


def generate(ctx: DemoContext) -> None:
    teams = {
        name: Team.objects.get_or_create(name=name)[0]
        for name in ["Sales Poland", "Sales Baltics & East", "Customer Service", "Marketing"]
    }
    territories = {
        name: Territory.objects.get_or_create(name=name, defaults={"description": text})[0]
        for name, text in TERRITORIES.items()
    }
    roles = {r.code: r for r in Role.objects.all()}
    password = make_password(DEMO_PASSWORD)
    users = {}
    for username, first, last, role, team_names, territory_names, language in USERS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@accord.example",
                "role": roles[role],
                "password": password,
                "language": language,
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        user.teams.set([teams[t] for t in team_names])
        user.territories.set([territories[t] for t in territory_names])
        users[username] = user
    teams["Sales Poland"].managers.add(users["manager"])
    teams["Sales Baltics & East"].managers.add(users["manager"])
    ctx.data.update(users=users, teams=teams, territories=territories)
    ctx.log(f"  {len(users)} users in {len(teams)} teams")
