"""Demo data of the knowledge base: four categories and eight published articles that answer what
customers ask most (a printer that will not print, a lost invoice, a forgotten password, delivery
times...), in English, half of them translated into Polish, two of them for agents only.

The articles are content, not interface: each is written in its own language here, so ``seed``
writes the same texts whatever the demo users' languages. Everything goes through the knowledge
base's service, as an agent's writing would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.service.models import Article, ArticleCategory
from accord.service.services import knowledge

if TYPE_CHECKING:
    from accord.identity.models import User

CATEGORIES = ("Printing", "Invoices and payments", "Your account", "Orders and delivery")

# (category, visibility, English title and body, Polish title and body or None)
ARTICLES: list[tuple[str, str, tuple[str, str], tuple[str, str] | None]] = [
    (
        "Printing",
        "public",
        (
            "The printer does not print",
            "Check that the printer is switched on and that its light is green, not blinking red.\n"
            "A blinking red light means a paper jam or an empty toner: open the front cover, take out any "
            "stuck paper and make sure the toner cartridge clicks into place.\n"
            "If the printer is on but nothing comes out, remove the print job from the queue on your computer, "
            "restart the printer and print a test page from its menu.",
        ),
        (
            "Drukarka nie drukuje",
            "Sprawdź, czy drukarka jest włączona, a jej lampka świeci na zielono, a nie miga na czerwono.\n"
            "Migająca czerwona lampka oznacza zacięty papier lub pusty toner: otwórz przednią pokrywę, wyjmij "
            "zablokowany papier i upewnij się, że kaseta z tonerem zatrzasnęła się na miejscu.\n"
            "Jeśli drukarka działa, ale nic nie wychodzi, usuń zadanie z kolejki wydruku na komputerze, "
            "uruchom drukarkę ponownie i wydrukuj stronę testową z jej menu.",
        ),
    ),
    (
        "Printing",
        "public",
        (
            "Replacing the toner cartridge",
            "Open the front cover and pull the old cartridge out by its handle.\n"
            "Shake the new cartridge gently five times, remove the protective tape and push it in until it "
            "clicks. Close the cover: the printer cleans itself for about a minute before printing again.\n"
            "Send empty cartridges back in the box of the new one; the return label is free.",
        ),
        None,
    ),
    (
        "Invoices and payments",
        "public",
        (
            "Where to find your invoices",
            "Every invoice is e-mailed to the billing address on your account the day it is issued, as a PDF.\n"
            "If you cannot find one, check the spam folder, or ask us to send a copy: give the invoice number "
            "or the order it belongs to.\n"
            "To have invoices sent to another e-mail address, tell us the new billing address.",
        ),
        (
            "Gdzie znaleźć faktury",
            "Każda faktura jest wysyłana w dniu wystawienia jako PDF na adres e-mail do faktur podany na koncie.\n"
            "Jeśli nie możesz jej znaleźć, sprawdź folder spam albo poproś nas o kopię: podaj numer faktury lub "
            "zamówienie, którego dotyczy.\n"
            "Aby faktury przychodziły na inny adres e-mail, podaj nam nowy adres do faktur.",
        ),
    ),
    (
        "Invoices and payments",
        "public",
        (
            "Paying an invoice and payment terms",
            "Invoices are due 14 days after they are issued unless your contract says otherwise.\n"
            "Pay by bank transfer to the account printed on the invoice and put the invoice number in the "
            "transfer title, so that the payment is matched automatically.\n"
            "A payment reaches us within one working day; the invoice is marked paid when it does.",
        ),
        (
            "Płatność za fakturę i terminy płatności",
            "Termin płatności faktury to 14 dni od wystawienia, chyba że umowa mówi inaczej.\n"
            "Zapłać przelewem na rachunek podany na fakturze i wpisz numer faktury w tytule przelewu, aby "
            "płatność została przypisana automatycznie.\n"
            "Przelew dociera do nas w ciągu jednego dnia roboczego; wtedy faktura zostaje oznaczona jako opłacona.",
        ),
    ),
    (
        "Invoices and payments",
        "internal",
        (
            "Correcting an issued invoice",
            "An issued invoice is never edited. Issue a correcting invoice from the invoice's page and choose "
            "the lines and amounts that change; the customer receives it by e-mail like any other invoice.\n"
            "Corrections of more than 10,000 PLN need a manager's approval before they are issued.",
        ),
        None,
    ),
    (
        "Your account",
        "public",
        (
            "Resetting your password",
            'On the sign-in page choose "Forgot your password?" and enter the e-mail address of your account.\n'
            "We send a link that is valid for one hour; open it and choose a new password of at least "
            "twelve characters.\n"
            "If the e-mail does not arrive within a few minutes, check the spam folder or ask us to reset the "
            "password for you.",
        ),
        (
            "Resetowanie hasła",
            "Na stronie logowania wybierz „Nie pamiętasz hasła?” i wpisz adres e-mail swojego konta.\n"
            "Wyślemy link ważny przez godzinę; otwórz go i ustaw nowe hasło o długości co najmniej "
            "dwunastu znaków.\n"
            "Jeśli wiadomość nie dotrze w ciągu kilku minut, sprawdź folder spam albo poproś nas o zresetowanie "
            "hasła.",
        ),
    ),
    (
        "Orders and delivery",
        "public",
        (
            "Delivery times",
            "Orders placed on a working day before 2 p.m. leave our warehouse the same day.\n"
            "Delivery by courier takes one to two working days in Poland and three to five working days to "
            "the rest of the European Union.\n"
            "You receive the tracking number by e-mail when the parcel leaves the warehouse.",
        ),
        None,
    ),
    (
        "Orders and delivery",
        "internal",
        (
            "Handling a damaged delivery",
            "Ask the customer for photos of the parcel and the damaged goods, and the delivery's tracking number.\n"
            "Open a complaint with the courier the same day and send a replacement without waiting for the "
            "courier's answer when the order is under 2,000 PLN.",
        ),
        None,
    ),
]


def seed(*, actor: User) -> list[Article]:
    """Make the demo's categories and articles as ``actor`` (who must be allowed to write them);
    returns the articles made. Does nothing when the knowledge base already has categories."""
    if ArticleCategory.objects.exists():
        return []
    categories = {
        name: knowledge.create_category(actor=actor, data={"name": name, "position": index})
        for index, name in enumerate(CATEGORIES)
    }
    made: list[Article] = []
    for category, visibility, (title, body), polish in ARTICLES:
        article = knowledge.create_article(
            actor=actor,
            data={
                "title": title,
                "body": body,
                "language": "en",
                "category": categories[category],
                "visibility": visibility,
            },
        )
        made.append(knowledge.publish_article(actor=actor, article=article))
        if polish is not None:
            translation = knowledge.add_translation(
                actor=actor, article=article, data={"language": "pl", "title": polish[0], "body": polish[1]}
            )
            made.append(knowledge.publish_article(actor=actor, article=translation))
    return made
