"""The demo's words in each demo user's language: a Polish sales rep's deals, tasks and notes are
written in Polish, a Lithuanian's in Lithuanian, and so on.

The demo modules keep their phrases in English and draw them as they always have (so a seed gives
the same demo as before, only in other words); ``say`` gives a phrase in the language of the user
who owns the record. Not interface text: these are what users would have typed, so they live here
rather than in the catalogues.
"""

from __future__ import annotations

# The interactions' texts: what was said or written, one sentence.
BODIES = [
    "Talked through the offer; they will come back after the board meeting.",
    "They asked for a lower price on the licences if they sign this month.",
    "Sent the catalogue and the price list; waiting for questions.",
    "The customer is happy with our support so far.",
    "Delivery expected next week; the address is confirmed.",
    "They compare us with two other suppliers.",
    "Agreed to meet again after the holidays.",
    "Budget is tight this quarter; the project may move to the next one.",
    "The IT manager wants a test account first.",
    "Invoice paid; thanked them for the quick payment.",
    "They would like training for five new people.",
    "Asked to call back on Thursday afternoon.",
]
# A contact's standing notes.
NOTES = [
    "Prefers calls in the morning",
    "Decision maker is the CFO",
    "Asked for a discount",
    "Budget approved for next quarter",
]

# English -> {language: the same in it}.
PHRASES: dict[str, dict[str, str]] = {
    # --- marketing: the demo's segments ---
    "Polish speakers not contacted for 90 days": {
        "pl": "Polskojęzyczni bez kontaktu od 90 dni",
        "lt": "Lenkiškai kalbantys, su kuriais nebendrauta 90 dienų",
        "ro": "Vorbitori de poloneză fără contact de 90 de zile",
        "ru": "Польскоязычные без контакта 90 дней",
    },
    "Win-back e-mail: Polish speakers who have heard nothing from us for three months.": {
        "pl": "E-mail „wracamy”: klienci mówiący po polsku, którzy od trzech miesięcy nic od nas nie usłyszeli.",
        "lt": "Susigrąžinimo laiškas: lenkiškai kalbantys klientai, kurie tris mėnesius nieko iš mūsų negirdėjo.",
        "ro": "E-mail de recâștigare: clienți vorbitori de poloneză care nu au mai auzit de noi de trei luni.",
        "ru": "Письмо для возврата: польскоязычные клиенты, от которых мы три месяца ничего не слышали.",
    },
    "Newsletter readers with an open deal": {
        "pl": "Czytelnicy newslettera z otwartą szansą",
        "lt": "Naujienlaiškio skaitytojai su atviru sandoriu",
        "ro": "Cititori ai newsletterului cu o oportunitate deschisă",
        "ru": "Читатели рассылки с открытой сделкой",
    },
    "Everyone who agreed to the newsletter by e-mail and is talking to sales right now.": {
        "pl": "Wszyscy, którzy zgodzili się na newsletter e-mailem i właśnie rozmawiają z działem sprzedaży.",
        "lt": "Visi, sutikę gauti naujienlaiškį el. paštu ir šiuo metu bendraujantys su pardavimų skyriumi.",
        "ro": "Toți cei care au acceptat newsletterul prin e-mail și discută acum cu vânzările.",
        "ru": "Все, кто согласился на рассылку по e-mail и сейчас общается с отделом продаж.",
    },
    "Repeat buyers and recent wins": {
        "pl": "Powracający klienci i niedawne wygrane",
        "lt": "Pakartotiniai pirkėjai ir neseniai laimėti sandoriai",
        "ro": "Clienți fideli și câștiguri recente",
        "ru": "Повторные покупатели и недавние победы",
    },
    "Customers for the follow-up offer: bought this year, or a deal won lately.": {
        "pl": "Klienci na ofertę uzupełniającą: kupili w tym roku albo niedawno wygrana szansa.",
        "lt": "Klientai tolesniam pasiūlymui: pirko šiais metais arba neseniai laimėtas sandoris.",
        "ro": "Clienți pentru oferta următoare: au cumpărat anul acesta sau o oportunitate câștigată recent.",
        "ru": "Клиенты для следующего предложения: покупали в этом году или недавно выиграна сделка.",
    },
    "Win-back list, December": {
        "pl": "Lista „wracamy”, grudzień",
        "lt": "Susigrąžinimo sąrašas, gruodis",
        "ro": "Listă de recâștigare, decembrie",
        "ru": "Список для возврата, декабрь",
    },
    # --- journeys (marketing/demo_journeys.py) ---
    "Welcome new customers": {
        "pl": "Powitanie nowych klientów",
        "lt": "Naujų klientų pasveikinimas",
        "ro": "Bun venit clienților noi",
        "ru": "Приветствие новых клиентов",
    },
    "New customers": {
        "pl": "Nowi klienci",
        "lt": "Nauji klientai",
        "ro": "Clienți noi",
        "ru": "Новые клиенты",
    },
    "Welcome, {{ first_name }}": {
        "pl": "Witamy, {{ first_name }}",
        "lt": "Sveiki, {{ first_name }}",
        "ro": "Bun venit, {{ first_name }}",
        "ru": "Добро пожаловать, {{ first_name }}",
    },
    "Thank you for choosing us. Here is how to get the most out of your first weeks.": {
        "pl": "Dziękujemy, że nas wybrałeś. Oto jak najlepiej wykorzystać pierwsze tygodnie.",
        "lt": "Dėkojame, kad pasirinkote mus. Štai kaip geriausiai išnaudoti pirmąsias savaites.",
        "ro": "Vă mulțumim că ne-ați ales. Iată cum să profitați la maximum de primele săptămâni.",
        "ru": "Спасибо, что выбрали нас. Вот как извлечь максимум из первых недель.",
    },
    "Read the guide": {
        "pl": "Przeczytaj poradnik",
        "lt": "Skaityti vadovą",
        "ro": "Citiți ghidul",
        "ru": "Прочитать руководство",
    },
    "Call {{ full_name }}: they read the welcome guide": {
        "pl": "Zadzwoń do {{ full_name }}: przeczytał(a) poradnik powitalny",
        "lt": "Paskambinti {{ full_name }}: perskaitė pasveikinimo vadovą",
        "ro": "Sunați-l pe {{ full_name }}: a citit ghidul de bun venit",
        "ru": "Позвонить {{ full_name }}: прочитал(а) приветственное руководство",
    },
    "Welcomed": {
        "pl": "Powitany",
        "lt": "Pasveikintas",
        "ro": "Întâmpinat",
        "ru": "Поприветствован",
    },
    "Thank you after a won deal": {
        "pl": "Podziękowanie po wygranej transakcji",
        "lt": "Padėka po laimėto sandorio",
        "ro": "Mulțumiri după o tranzacție câștigată",
        "ru": "Благодарность после выигранной сделки",
    },
    "Thank you for your order, {{ first_name }}": {
        "pl": "Dziękujemy za zamówienie, {{ first_name }}",
        "lt": "Dėkojame už užsakymą, {{ first_name }}",
        "ro": "Vă mulțumim pentru comandă, {{ first_name }}",
        "ru": "Спасибо за заказ, {{ first_name }}",
    },
    "It was a pleasure to work with you. We will be in touch about the delivery.": {
        "pl": "Współpraca z Tobą to przyjemność. Odezwiemy się w sprawie dostawy.",
        "lt": "Buvo malonu dirbti su jumis. Susisieksime dėl pristatymo.",
        "ro": "A fost o plăcere să lucrăm cu dumneavoastră. Vă vom contacta în privința livrării.",
        "ru": "Было приятно работать с вами. Мы свяжемся с вами по поводу доставки.",
    },
    "Ask {{ full_name }} for a review": {
        "pl": "Poproś {{ full_name }} o opinię",
        "lt": "Paprašyti {{ full_name }} atsiliepimo",
        "ro": "Cereți-i lui {{ full_name }} o recenzie",
        "ru": "Попросить {{ full_name }} оставить отзыв",
    },
    "Birthday wishes": {
        "pl": "Życzenia urodzinowe",
        "lt": "Gimtadienio sveikinimai",
        "ro": "Urări de ziua de naștere",
        "ru": "Поздравления с днём рождения",
    },
    "Happy birthday, {{ first_name }}! All the best from all of us.": {
        "pl": "Wszystkiego najlepszego z okazji urodzin, {{ first_name }}! Serdeczności od całego zespołu.",
        "lt": "Su gimtadieniu, {{ first_name }}! Geriausi linkėjimai nuo mūsų visų.",
        "ro": "La mulți ani, {{ first_name }}! Toate cele bune din partea noastră.",
        "ru": "С днём рождения, {{ first_name }}! Всего наилучшего от всех нас.",
    },
    "Birthday greeted": {
        "pl": "Złożono życzenia urodzinowe",
        "lt": "Pasveikintas su gimtadieniu",
        "ro": "Felicitat de ziua de naștere",
        "ru": "Поздравлен с днём рождения",
    },
    # --- interaction subjects, by channel ---
    "Follow-up call": {
        "pl": "Rozmowa kontrolna",
        "lt": "Pakartotinis skambutis",
        "ro": "Apel de urmărire",
        "ru": "Повторный звонок",
    },
    "Pricing questions": {
        "pl": "Pytania o ceny",
        "lt": "Klausimai dėl kainų",
        "ro": "Întrebări despre prețuri",
        "ru": "Вопросы по ценам",
    },
    "Intro call": {
        "pl": "Pierwsza rozmowa",
        "lt": "Įžanginis skambutis",
        "ro": "Apel de prezentare",
        "ru": "Вводный звонок",
    },
    "Renewal discussion": {
        "pl": "Rozmowa o przedłużeniu umowy",
        "lt": "Sutarties pratęsimo aptarimas",
        "ro": "Discuție despre reînnoire",
        "ru": "Обсуждение продления",
    },
    "Delivery status": {
        "pl": "Status dostawy",
        "lt": "Pristatymo būsena",
        "ro": "Stadiul livrării",
        "ru": "Статус доставки",
    },
    "Complaint about invoice": {
        "pl": "Reklamacja faktury",
        "lt": "Skundas dėl sąskaitos faktūros",
        "ro": "Reclamație privind factura",
        "ru": "Претензия по счёту",
    },
    "Offer sent": {
        "pl": "Wysłano ofertę",
        "lt": "Išsiųstas pasiūlymas",
        "ro": "Ofertă trimisă",
        "ru": "Предложение отправлено",
    },
    "Re: quotation": {
        "pl": "Odp.: oferta cenowa",
        "lt": "Re: komercinis pasiūlymas",
        "ro": "Re: ofertă de preț",
        "ru": "Re: коммерческое предложение",
    },
    "Product catalogue": {
        "pl": "Katalog produktów",
        "lt": "Produktų katalogas",
        "ro": "Catalog de produse",
        "ru": "Каталог продукции",
    },
    "Meeting summary": {
        "pl": "Podsumowanie spotkania",
        "lt": "Susitikimo santrauka",
        "ro": "Rezumatul întâlnirii",
        "ru": "Итоги встречи",
    },
    "Payment reminder": {
        "pl": "Przypomnienie o płatności",
        "lt": "Priminimas apie mokėjimą",
        "ro": "Memento de plată",
        "ru": "Напоминание об оплате",
    },
    "Thank you for the order": {
        "pl": "Dziękujemy za zamówienie",
        "lt": "Ačiū už užsakymą",
        "ro": "Vă mulțumim pentru comandă",
        "ru": "Спасибо за заказ",
    },
    "Quarterly review": {
        "pl": "Przegląd kwartalny",
        "lt": "Ketvirčio apžvalga",
        "ro": "Analiza trimestrială",
        "ru": "Квартальный обзор",
    },
    "Product demo": {
        "pl": "Prezentacja produktu",
        "lt": "Produkto demonstracija",
        "ro": "Demonstrație de produs",
        "ru": "Демонстрация продукта",
    },
    "Contract negotiation": {
        "pl": "Negocjacje umowy",
        "lt": "Sutarties derybos",
        "ro": "Negocierea contractului",
        "ru": "Переговоры по договору",
    },
    "Kick-off meeting": {
        "pl": "Spotkanie otwierające projekt",
        "lt": "Projekto pradžios susitikimas",
        "ro": "Ședință de lansare",
        "ru": "Стартовая встреча",
    },
    "Visit at the customer's office": {
        "pl": "Wizyta w biurze klienta",
        "lt": "Vizitas kliento biure",
        "ro": "Vizită la biroul clientului",
        "ru": "Визит в офис клиента",
    },
    "Trade fair stand visit": {
        "pl": "Wizyta na stoisku targowym",
        "lt": "Apsilankymas parodos stende",
        "ro": "Vizită la standul de la târg",
        "ru": "Визит на выставочный стенд",
    },
    "Site inspection": {
        "pl": "Wizja lokalna",
        "lt": "Objekto apžiūra",
        "ro": "Inspecție la fața locului",
        "ru": "Осмотр объекта",
    },
    "Prefers calls in the morning": {
        "pl": "Woli telefony rano",
        "lt": "Mieliau kalbasi telefonu ryte",
        "ro": "Preferă apelurile dimineața",
        "ru": "Предпочитает звонки утром",
    },
    "Budget approved for next quarter": {
        "pl": "Budżet zatwierdzony na następny kwartał",
        "lt": "Biudžetas patvirtintas kitam ketvirčiui",
        "ro": "Buget aprobat pentru trimestrul următor",
        "ru": "Бюджет утверждён на следующий квартал",
    },
    "Decision maker is the CFO": {
        "pl": "Decyzję podejmuje dyrektor finansowy",
        "lt": "Sprendimą priima finansų direktorius",
        "ro": "Decizia o ia directorul financiar",
        "ru": "Решение принимает финансовый директор",
    },
    "Asked for a discount": {
        "pl": "Prosi o rabat",
        "lt": "Prašė nuolaidos",
        "ro": "A cerut o reducere",
        "ru": "Просил скидку",
    },
    "Website chat: shipping question": {
        "pl": "Czat na stronie: pytanie o wysyłkę",
        "lt": "Pokalbis svetainėje: klausimas dėl siuntimo",
        "ro": "Chat pe site: întrebare despre livrare",
        "ru": "Чат на сайте: вопрос о доставке",
    },
    "Chat about opening hours": {
        "pl": "Czat o godzinach otwarcia",
        "lt": "Pokalbis apie darbo laiką",
        "ro": "Chat despre programul de lucru",
        "ru": "Чат о часах работы",
    },
    "Appointment confirmation": {
        "pl": "Potwierdzenie spotkania",
        "lt": "Susitikimo patvirtinimas",
        "ro": "Confirmarea întâlnirii",
        "ru": "Подтверждение встречи",
    },
    "Delivery notice": {
        "pl": "Awizo dostawy",
        "lt": "Pranešimas apie pristatymą",
        "ro": "Aviz de livrare",
        "ru": "Уведомление о доставке",
    },
    "Contract sent by post": {
        "pl": "Umowa wysłana pocztą",
        "lt": "Sutartis išsiųsta paštu",
        "ro": "Contract trimis prin poștă",
        "ru": "Договор отправлен почтой",
    },
    "Annual greetings": {
        "pl": "Życzenia świąteczne",
        "lt": "Metiniai sveikinimai",
        "ro": "Felicitări de sfârșit de an",
        "ru": "Новогодние поздравления",
    },
    "Contact form: request for quote": {
        "pl": "Formularz kontaktowy: prośba o ofertę",
        "lt": "Kontaktų forma: pasiūlymo užklausa",
        "ro": "Formular de contact: cerere de ofertă",
        "ru": "Форма обратной связи: запрос предложения",
    },
    "Newsletter sign-up": {
        "pl": "Zapis na newsletter",
        "lt": "Naujienlaiškio prenumerata",
        "ro": "Abonare la newsletter",
        "ru": "Подписка на рассылку",
    },
    "Signed order form": {
        "pl": "Podpisany formularz zamówienia",
        "lt": "Pasirašyta užsakymo forma",
        "ro": "Formular de comandă semnat",
        "ru": "Подписанный бланк заказа",
    },
    "LinkedIn message": {
        "pl": "Wiadomość na LinkedIn",
        "lt": "Žinutė LinkedIn",
        "ro": "Mesaj pe LinkedIn",
        "ru": "Сообщение в LinkedIn",
    },
    "Comment on our post": {
        "pl": "Komentarz pod naszym postem",
        "lt": "Komentaras po mūsų įrašu",
        "ro": "Comentariu la postarea noastră",
        "ru": "Комментарий к нашему посту",
    },
    # --- follow-ups on open deals ---
    "Follow-up call about the offer": {
        "pl": "Telefon w sprawie oferty",
        "lt": "Skambutis dėl pasiūlymo",
        "ro": "Apel de urmărire privind oferta",
        "ru": "Звонок по поводу предложения",
    },
    "Call about the budget": {
        "pl": "Rozmowa o budżecie",
        "lt": "Skambutis dėl biudžeto",
        "ro": "Apel despre buget",
        "ru": "Звонок насчёт бюджета",
    },
    "Re: our proposal": {
        "pl": "Odp.: nasza propozycja",
        "lt": "Re: mūsų pasiūlymas",
        "ro": "Re: propunerea noastră",
        "ru": "Re: наше предложение",
    },
    "Revised offer sent": {
        "pl": "Wysłano poprawioną ofertę",
        "lt": "Išsiųstas patikslintas pasiūlymas",
        "ro": "Ofertă revizuită trimisă",
        "ru": "Отправлено обновлённое предложение",
    },
    "Answers to your questions": {
        "pl": "Odpowiedzi na Państwa pytania",
        "lt": "Atsakymai į jūsų klausimus",
        "ro": "Răspunsuri la întrebările dumneavoastră",
        "ru": "Ответы на ваши вопросы",
    },
    "Meeting with the buyer": {
        "pl": "Spotkanie z działem zakupów",
        "lt": "Susitikimas su pirkėju",
        "ro": "Întâlnire cu responsabilul de achiziții",
        "ru": "Встреча с закупщиком",
    },
    # --- tasks ---
    "Call back about the offer": {
        "pl": "Oddzwonić w sprawie oferty",
        "lt": "Perskambinti dėl pasiūlymo",
        "ro": "Sună înapoi clientul despre ofertă",
        "ru": "Перезвонить по поводу предложения",
    },
    "Send the quotation": {
        "pl": "Wysłać ofertę cenową",
        "lt": "Išsiųsti komercinį pasiūlymą",
        "ro": "Trimite oferta de preț",
        "ru": "Отправить коммерческое предложение",
    },
    "Prepare contract draft": {
        "pl": "Przygotować projekt umowy",
        "lt": "Parengti sutarties projektą",
        "ro": "Pregătește proiectul de contract",
        "ru": "Подготовить проект договора",
    },
    "Check payment status": {
        "pl": "Sprawdzić status płatności",
        "lt": "Patikrinti mokėjimo būseną",
        "ro": "Verifică starea plății",
        "ru": "Проверить статус оплаты",
    },
    "Schedule a demo": {
        "pl": "Umówić prezentację",
        "lt": "Suplanuoti demonstraciją",
        "ro": "Programează o demonstrație",
        "ru": "Назначить демонстрацию",
    },
    "Send product catalogue": {
        "pl": "Wysłać katalog produktów",
        "lt": "Išsiųsti produktų katalogą",
        "ro": "Trimite catalogul de produse",
        "ru": "Отправить каталог продукции",
    },
    "Confirm delivery date": {
        "pl": "Potwierdzić termin dostawy",
        "lt": "Patvirtinti pristatymo datą",
        "ro": "Confirmă data livrării",
        "ru": "Подтвердить дату доставки",
    },
    "Ask for feedback": {
        "pl": "Poprosić o opinię",
        "lt": "Paprašyti atsiliepimo",
        "ro": "Cere feedback",
        "ru": "Запросить отзыв",
    },
    "Update contact details": {
        "pl": "Zaktualizować dane kontaktowe",
        "lt": "Atnaujinti kontaktinius duomenis",
        "ro": "Actualizează datele de contact",
        "ru": "Обновить контактные данные",
    },
    "Invite to the trade fair": {
        "pl": "Zaprosić na targi",
        "lt": "Pakviesti į parodą",
        "ro": "Invită la târg",
        "ru": "Пригласить на выставку",
    },
    # --- deals: names, next steps, the contacts' roles ---
    "CRM roll-out": {"pl": "Wdrożenie CRM", "lt": "CRM diegimas", "ro": "Implementare CRM", "ru": "Внедрение CRM"},
    "Call-center seats": {
        "pl": "Stanowiska call center",
        "lt": "Skambučių centro darbo vietos",
        "ro": "Posturi de call center",
        "ru": "Места в колл-центре",
    },
    "Support renewal": {
        "pl": "Przedłużenie wsparcia",
        "lt": "Palaikymo pratęsimas",
        "ro": "Reînnoirea suportului",
        "ru": "Продление поддержки",
    },
    "Field sales tablets": {
        "pl": "Tablety dla przedstawicieli handlowych",
        "lt": "Planšetės prekybos atstovams",
        "ro": "Tablete pentru agenții de teren",
        "ru": "Планшеты для выездных продаж",
    },
    "Implementation": {
        "pl": "Usługa wdrożeniowa",
        "lt": "Diegimo paslaugos",
        "ro": "Servicii de implementare",
        "ru": "Услуги внедрения",
    },
    "Training programme": {
        "pl": "Program szkoleń",
        "lt": "Mokymų programa",
        "ro": "Program de instruire",
        "ru": "Программа обучения",
    },
    "E-commerce integration": {
        "pl": "Integracja ze sklepem internetowym",
        "lt": "Integracija su e. parduotuve",
        "ro": "Integrare cu magazinul online",
        "ru": "Интеграция с интернет-магазином",
    },
    "Upgrade to Professional": {
        "pl": "Przejście na wersję Professional",
        "lt": "Perėjimas į Professional versiją",
        "ro": "Trecere la versiunea Professional",
        "ru": "Переход на тариф Professional",
    },
    "New branch office": {"pl": "Nowy oddział", "lt": "Naujas filialas", "ro": "Sucursală nouă", "ru": "Новый филиал"},
    "Data migration": {
        "pl": "Migracja danych",
        "lt": "Duomenų perkėlimas",
        "ro": "Migrarea datelor",
        "ru": "Миграция данных",
    },
    "Send the proposal": {
        "pl": "Wysłać propozycję",
        "lt": "Išsiųsti pasiūlymą",
        "ro": "Trimite propunerea",
        "ru": "Отправить предложение",
    },
    "Demo for the board": {
        "pl": "Prezentacja dla zarządu",
        "lt": "Demonstracija valdybai",
        "ro": "Demonstrație pentru conducere",
        "ru": "Презентация для руководства",
    },
    "Call the CFO about budget": {
        "pl": "Zadzwonić do dyrektora finansowego w sprawie budżetu",
        "lt": "Paskambinti finansų direktoriui dėl biudžeto",
        "ro": "Sună directorul financiar despre buget",
        "ru": "Позвонить финансовому директору насчёт бюджета",
    },
    "Agree the implementation plan": {
        "pl": "Uzgodnić plan wdrożenia",
        "lt": "Suderinti diegimo planą",
        "ro": "Stabilește planul de implementare",
        "ru": "Согласовать план внедрения",
    },
    "Wait for the signed order": {
        "pl": "Czekać na podpisane zamówienie",
        "lt": "Laukti pasirašyto užsakymo",
        "ro": "Așteaptă comanda semnată",
        "ru": "Ждать подписанный заказ",
    },
    "Technical workshop": {
        "pl": "Warsztat techniczny",
        "lt": "Techninis seminaras",
        "ro": "Atelier tehnic",
        "ru": "Технический семинар",
    },
    "Decision maker": {"pl": "Decydent", "lt": "Sprendimų priėmėjas", "ro": "Factor de decizie", "ru": "ЛПР"},
    "Buyer": {"pl": "Zakupowiec", "lt": "Pirkėjas", "ro": "Cumpărător", "ru": "Закупщик"},
    "User": {"pl": "Użytkownik", "lt": "Naudotojas", "ro": "Utilizator", "ru": "Пользователь"},
    # --- what leads wrote ---
    "We need a CRM for 25 sales reps, please send an offer.": {
        "pl": "Potrzebujemy CRM dla 25 handlowców, proszę o ofertę.",
        "lt": "Mums reikia CRM 25 pardavimų vadybininkams, atsiųskite pasiūlymą.",
        "ro": "Avem nevoie de un CRM pentru 25 de agenți de vânzări, vă rog să ne trimiteți o ofertă.",
        "ru": "Нам нужна CRM для 25 менеджеров по продажам, пришлите, пожалуйста, предложение.",
    },
    "Interested in the call-center module and headsets.": {
        "pl": "Interesuje nas moduł call center i zestawy słuchawkowe.",
        "lt": "Domina skambučių centro modulis ir ausinės.",
        "ro": "Suntem interesați de modulul de call center și de căști.",
        "ru": "Интересует модуль колл-центра и гарнитуры.",
    },
    "Do you have a connector for our accounting system?": {
        "pl": "Czy macie integrację z naszym systemem księgowym?",
        "lt": "Ar turite jungtį su mūsų apskaitos sistema?",
        "ro": "Aveți un conector pentru sistemul nostru de contabilitate?",
        "ru": "Есть ли у вас коннектор к нашей бухгалтерской системе?",
    },
    "Please call me about a demo next week.": {
        "pl": "Proszę o telefon w sprawie prezentacji w przyszłym tygodniu.",
        "lt": "Paskambinkite man dėl demonstracijos kitą savaitę.",
        "ro": "Vă rog să mă sunați pentru o demonstrație săptămâna viitoare.",
        "ru": "Позвоните мне, пожалуйста, насчёт демонстрации на следующей неделе.",
    },
    "Looking for training for our new team.": {
        "pl": "Szukamy szkolenia dla naszego nowego zespołu.",
        "lt": "Ieškome mokymų savo naujai komandai.",
        "ro": "Căutăm instruire pentru noua noastră echipă.",
        "ru": "Ищем обучение для нашей новой команды.",
    },
    # --- interaction texts ---
    "Talked through the offer; they will come back after the board meeting.": {
        "pl": "Omówiliśmy ofertę; wrócą do nas po posiedzeniu zarządu.",
        "lt": "Aptarėme pasiūlymą; atsakys po valdybos posėdžio.",
        "ro": "Am discutat oferta; revin după ședința conducerii.",
        "ru": "Обсудили предложение; ответят после заседания правления.",
    },
    "They asked for a lower price on the licences if they sign this month.": {
        "pl": "Proszą o niższą cenę licencji, jeśli podpiszą umowę w tym miesiącu.",
        "lt": "Prašo mažesnės licencijų kainos, jei pasirašys šį mėnesį.",
        "ro": "Cer un preț mai mic la licențe dacă semnează luna aceasta.",
        "ru": "Просят снизить цену лицензий, если подпишут в этом месяце.",
    },
    "Sent the catalogue and the price list; waiting for questions.": {
        "pl": "Wysłano katalog i cennik; czekamy na pytania.",
        "lt": "Išsiųsti katalogas ir kainoraštis; laukiame klausimų.",
        "ro": "Am trimis catalogul și lista de prețuri; așteptăm întrebări.",
        "ru": "Отправили каталог и прайс-лист; ждём вопросов.",
    },
    "The customer is happy with our support so far.": {
        "pl": "Klient jest zadowolony z naszego wsparcia.",
        "lt": "Klientas kol kas patenkintas mūsų palaikymu.",
        "ro": "Clientul este mulțumit de suportul nostru până acum.",
        "ru": "Клиент пока доволен нашей поддержкой.",
    },
    "Delivery expected next week; the address is confirmed.": {
        "pl": "Dostawa planowana na przyszły tydzień; adres potwierdzony.",
        "lt": "Pristatymas numatytas kitą savaitę; adresas patvirtintas.",
        "ro": "Livrarea este estimată săptămâna viitoare; adresa este confirmată.",
        "ru": "Доставка ожидается на следующей неделе; адрес подтверждён.",
    },
    "They compare us with two other suppliers.": {
        "pl": "Porównują nas z dwoma innymi dostawcami.",
        "lt": "Jie lygina mus su dar dviem tiekėjais.",
        "ro": "Ne compară cu alți doi furnizori.",
        "ru": "Сравнивают нас с двумя другими поставщиками.",
    },
    "Agreed to meet again after the holidays.": {
        "pl": "Umówiliśmy się na kolejne spotkanie po świętach.",
        "lt": "Susitarėme vėl susitikti po švenčių.",
        "ro": "Am stabilit să ne revedem după sărbători.",
        "ru": "Договорились встретиться снова после праздников.",
    },
    "Budget is tight this quarter; the project may move to the next one.": {
        "pl": "Budżet w tym kwartale jest napięty; projekt może przejść na następny.",
        "lt": "Šį ketvirtį biudžetas ribotas; projektas gali persikelti į kitą.",
        "ro": "Bugetul este limitat în acest trimestru; proiectul s-ar putea amâna pentru următorul.",
        "ru": "В этом квартале бюджет ограничен; проект может перенестись на следующий.",
    },
    "The IT manager wants a test account first.": {
        "pl": "Kierownik IT chce najpierw dostać konto testowe.",
        "lt": "IT vadovas pirmiausia nori bandomosios paskyros.",
        "ro": "Managerul IT vrea mai întâi un cont de test.",
        "ru": "Руководитель ИТ сначала хочет тестовый доступ.",
    },
    "Invoice paid; thanked them for the quick payment.": {
        "pl": "Faktura opłacona; podziękowaliśmy za szybką płatność.",
        "lt": "Sąskaita apmokėta; padėkojome už greitą mokėjimą.",
        "ro": "Factura a fost plătită; le-am mulțumit pentru plata rapidă.",
        "ru": "Счёт оплачен; поблагодарили за быструю оплату.",
    },
    "They would like training for five new people.": {
        "pl": "Chcą szkolenia dla pięciu nowych osób.",
        "lt": "Jie norėtų mokymų penkiems naujiems darbuotojams.",
        "ro": "Ar dori instruire pentru cinci colegi noi.",
        "ru": "Хотят обучение для пяти новых сотрудников.",
    },
    "Asked to call back on Thursday afternoon.": {
        "pl": "Prosi o telefon w czwartek po południu.",
        "lt": "Prašė perskambinti ketvirtadienio popietę.",
        "ro": "A cerut să fie sunat joi după-amiază.",
        "ru": "Просил перезвонить в четверг после обеда.",
    },
}


def say(text: str, language: str) -> str:
    """``text`` (one of the demo's English phrases) in ``language``; as it is in English, or when
    the bank has no such phrase or language."""
    return PHRASES.get(text, {}).get(language, text)
