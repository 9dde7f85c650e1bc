# ruff: noqa: E501  (sentences read better unbroken)
"""What people say to and about the demo brand: templates with slots, in four languages.

Pure data (no Django). Each template carries the truth about itself (intent, topic, language,
sarcasm) so evaluations can compare later classifiers against it; that truth is never stored
in the database by the demo. Slots (`{city}`, `{ref}`, ...) are filled by the generator.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    intent: str
    topic: str = ""
    language: str = "en"
    sarcastic: bool = False
    slots: tuple[str, ...] = field(default=(), compare=False)


def _slots(text: str) -> tuple[str, ...]:
    names: list[str] = []
    for _, name, _, _ in string.Formatter().parse(text):
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _bank(
    intent: str, rows: list[tuple[str, str] | tuple[str, str, str]], **kw: object
) -> list[Template]:
    out = []
    for row in rows:
        topic, text = row[0], row[1]
        lang = row[2] if len(row) == 3 else "en"
        out.append(
            Template(
                text=text,
                intent=intent,
                topic=topic,
                language=lang,
                slots=_slots(text),
                **kw,  # type: ignore[arg-type]
            )
        )
    return out


COMPLAINT = _bank(
    "complaint",
    [
        (
            "waiting_time",
            "{brand_at} {hours} hours on hold and still no answer. Is anyone actually working there?",
        ),
        (
            "waiting_time",
            "Been on hold with {brand} customer service for {mins} minutes now. Same song on repeat.",
        ),
        ("waiting_time", "Called {brand} {n} times today, got cut off every single time. Unreal."),
        (
            "waiting_time",
            "{brand_at} your chat bot keeps sending me in circles. I just want to talk to a human",
        ),
        (
            "baggage",
            "{brand_at} lost my bag on {flight} from {city}. {days} days and nobody can tell me where it is",
        ),
        ("baggage", "My {item} arrived in {city} smashed to pieces. Who pays for this {brand_at}?"),
        (
            "baggage",
            "{brand_at} where is my luggage?? landed in {city} yesterday with nothing but the clothes I'm wearing",
        ),
        (
            "baggage",
            "Day {days} without my suitcase. {brand} tracking page says 'located'. Located WHERE?",
        ),
        (
            "refund",
            "Still waiting for my refund for the cancelled {city} flight. {weeks} weeks now {brand_at}",
        ),
        ("refund", "{brand_at} you promised the refund in 7 days. it's been {days}. booking {ref}"),
        (
            "refund",
            "Got a voucher I never asked for instead of my refund. I want my {amount} back {brand_at}",
        ),
        (
            "delay",
            "{flight} to {city} delayed again. {hours}h at the gate, no info, no water, nothing.",
        ),
        (
            "delay",
            "Stuck at {city} airport, {flight} delayed {hours} hours and the app still says on time {brand_at}",
        ),
        (
            "delay",
            "Missed my connection in {city} because {flight} left {mins} minutes late. Now what {brand_at}?",
        ),
        (
            "cancellation",
            "{brand_at} cancelled my flight to {city} with 2 hours notice and the rebooking is for {month}. Seriously?",
        ),
        (
            "cancellation",
            "Wedding in {city} on saturday and {brand} just cancelled {flight}. No alternative offered.",
        ),
        ("app", "The {brand} app logs me out every time I try to check in. Fix it please"),
        ("app", "Can't download my boarding pass, the app just spins {brand_at}"),
        ("app", "{brand} website crashed at payment three times. Tried 2 browsers."),
        (
            "staff",
            "The check-in agent in {city} was incredibly rude to my elderly mum. Not ok {brand_at}",
        ),
        (
            "staff",
            "Gate staff in {city} shouting at passengers. Is this how {brand} trains people?",
        ),
        (
            "seat",
            "Paid {amount} extra for seat {seat} and got moved to the back row anyway {brand_at}",
        ),
        (
            "seat",
            "{brand_at} split my family across 4 rows even though we booked together. My kid is 6.",
        ),
        ("fees", "{amount} to fix a typo in a name?? daylight robbery {brand_at}"),
        ("fees", "{brand} charged me {amount} for a bag that fit in the sizer. Shameful."),
        (
            "onboard",
            "Ordered the veggie meal on {flight}, got nothing. {hours} hour flight on an empty stomach",
        ),
        ("onboard", "Toilets out of order on a {hours} hour {brand} flight. Lovely."),
        (
            "waiting_time",
            "{brand_at} 3 hours on hold, then the line went dead. Third day in a row.",
        ),
        ("baggage", "{brand_at} lost my bag. again. second time this year"),
        ("refund", "still waiting for my refund {brand_at}, {weeks} weeks and counting"),
        ("delay", "{brand_at} ES IST SCHON WIEDER VERSPÄTET", "de"),
        (
            "delay",
            "{brand_at} vuelo {flight} a {city} con {hours} horas de retraso y nadie nos dice nada",
            "es",
        ),
        ("baggage", "{brand_at} mi maleta no llegó a {city}. Llevo {days} días esperando", "es"),
        (
            "refund",
            "{brand_at} toujours pas de remboursement après {weeks} semaines. Inadmissible.",
            "fr",
        ),
        ("baggage", "{brand_at} bagage perdu à {city}, personne ne répond au téléphone", "fr"),
        (
            "delay",
            "{brand_at} {hours} Stunden Verspätung in {city} und kein einziges Wort vom Personal",
            "de",
        ),
        ("refund", "{brand_at} warte seit {weeks} Wochen auf meine Erstattung. Unmöglich!", "de"),
    ],
)

SARCASM = _bank(
    "complaint",
    [
        ("delay", "Great, another delay. Love spending my weekends at {city} airport {brand_at}"),
        ("waiting_time", "Wow {brand}, {hours} hours on hold. Truly world class service 👏"),
        ("baggage", "Thanks {brand_at} for losing my bag AGAIN. Really keeping me on my toes"),
        (
            "delay",
            "Nothing says holiday like watching {flight} get delayed for the {n}th time. Brilliant.",
        ),
        (
            "app",
            "Oh good, the app is down right when I need to check in. Perfect timing as always {brand_at}",
        ),
        ("delay", "10/10 would sit on the tarmac in {city} for {hours} hours again"),
        (
            "fees",
            "So glad I paid for priority boarding to stand in the same queue as everyone else 🙃",
        ),
        (
            "refund",
            "Love how {brand} takes my money in 2 seconds but needs {weeks} weeks to give it back",
        ),
        (
            "onboard",
            "The 'meal' on {flight} was a masterpiece. A single cracker. Michelin star {brand_at}",
        ),
        ("delay", "Genial, otro retraso. Gracias {brand} 🙃", "es"),
        ("delay", "Super, encore un retard. Merci {brand} 👏", "fr"),
    ],
    sarcastic=True,
)

QUESTION = _bank(
    "question",
    [
        ("baggage", "{brand_at} can I bring a {item} as hand luggage on {flight}?"),
        ("booking", "Does anyone know if {brand} lets you change the name on a booking for free?"),
        (
            "airport",
            "How early should I get to {city} airport for a {brand} flight? First time flying with them",
        ),
        (
            "baggage",
            "{brand_at} is there a way to add checked baggage after booking? The app won't let me",
        ),
        (
            "refund",
            "Hi, my flight {flight} got moved to {month}. Am I entitled to a refund or only a voucher?",
        ),
        ("onboard", "Do {brand} flights to {city} have wifi?"),
        (
            "assistance",
            "{brand_at} how do I request special assistance for my dad (wheelchair) at {city}?",
        ),
        ("baggage", "Anyone flown {brand} with a baby? Can we take the stroller to the gate?"),
        ("pets", "What's the pet policy on {brand}? small dog, 6kg"),
        ("booking", "{brand_at} where do I find my booking reference? Got no confirmation email"),
        ("booking", "Can I pay for {brand} flights in instalments? {amount} is a lot in one go"),
        ("loyalty", "{brand_at} do points expire if I don't fly for a year?"),
        ("airport", "Which terminal does {brand} use in {city}?"),
        (
            "booking",
            "¿Se puede cambiar la fecha de un vuelo de {brand} sin pagar? {brand_at}",
            "es",
        ),
        ("baggage", "{brand_at} est-ce qu'on peut prendre une poussette jusqu'à la porte ?", "fr"),
        ("baggage", "{brand_at} darf ich mein Fahrrad mitnehmen? Flug {flight} nach {city}", "de"),
    ],
)

PRAISE = _bank(
    "praise",
    [
        ("crew", "Shoutout to the crew on {flight} to {city}, absolute legends ❤️"),
        ("punctuality", "{brand_at} smoothest flight I've had in years. Landed early too!"),
        (
            "service",
            "Lost my phone on board and {brand} had it back to me in {days} days. Impressed.",
        ),
        (
            "service",
            "Honestly {brand} customer service sorted my rebooking in 5 minutes. Thank you {agent}!",
        ),
        ("crew", "Flew {brand} to {city} with two kids and the cabin crew were so kind to us"),
        ("app", "New {brand} app is so much better, checked in in 30 seconds"),
        ("price", "Best {amount} I've spent this year, {city} here we come ✈️"),
        (
            "crew",
            "The pilot on {flight} explained the delay every 10 minutes. That's how it's done {brand_at}",
        ),
        ("service", "Credit where it's due: {brand} refunded me in {days} days without a fight."),
        ("crew", "Gracias {brand} por el trato en el vuelo a {city} 😍", "es"),
        ("crew", "Équipage adorable sur le vol {flight}, merci {brand} !", "fr"),
        ("punctuality", "Pünktlich, freundlich, sauber. Danke {brand}!", "de"),
    ],
)

SUGGESTION = _bank(
    "suggestion",
    [
        ("app", "{brand_at} would be great if you showed the gate number in the app notifications"),
        ("onboard", "Idea: let us pre-order meals in the app like other airlines do"),
        ("routes", "Please bring back the {city} route in winter {brand_at}"),
        ("seat", "{brand} should really let families sit together without paying for seats"),
        ("baggage", "Suggestion for {brand}: text me when my bag is on the belt"),
        ("price", "Why not offer a cheaper fare without the carry-on? I'd take it"),
        ("routes", "{brand_at} ¿por qué no abrís una ruta directa a {city}?", "es"),
    ],
)

PURCHASE = _bank(
    "purchase_intent",
    [
        ("booking", "Thinking of booking {brand} to {city} in {month}, anyone flown that route?"),
        (
            "booking",
            "{brand_at} is the {month} sale coming back? Want to book {city} for {n} people",
        ),
        ("booking", "Just about to book {city} with {brand}, is the flex fare worth it?"),
        ("booking", "Looking at flights to {city} for my honeymoon, {brand} or the competition?"),
        ("booking", "{brand_at} do you have group discounts? Booking for a team of {n}"),
        ("booking", "Ready to book {city} for {month}, just waiting for payday 💸"),
        ("booking", "Quiero reservar {city} con {brand} en {month}, ¿alguna recomendación?", "es"),
    ],
)

CHURN = _bank(
    "churn_threat",
    [
        ("service", "That's it, done with {brand}. Booking with anyone else from now on."),
        (
            "refund",
            "{brand_at} after {days} days without my refund I'm cancelling my membership and never flying with you again",
        ),
        (
            "service",
            "Switching airlines. {n} years loyal and this is how you treat customers {brand_at}",
        ),
        ("app", "Deleted the {brand} app. Never again."),
        (
            "refund",
            "If my refund isn't here by friday I'm doing a chargeback and I'm done with {brand}",
        ),
        ("service", "Nunca más vuelo con {brand}. Nunca.", "es"),
        ("service", "Plus jamais {brand}. Je change de compagnie.", "fr"),
        ("service", "Nie wieder {brand}. Ab jetzt fliege ich mit der Konkurrenz.", "de"),
    ],
)

OTHER = _bank(
    "other",
    [
        ("", "Anyone else on {flight} tomorrow?"),
        ("", "Window seat, sunset over {city}. Not bad {brand}"),
        ("", "{brand} in-flight magazine has a piece on {city}, nice read"),
        ("", "Saw the new {brand} livery at {city} today, looks sharp"),
        ("", "Back home from {city}. Tired but happy"),
    ],
)

# The planted incident: card payments taken twice by the app. Keywords are in INCIDENT_KEYWORDS.
INCIDENT = _bank(
    "complaint",
    [
        (
            "payment",
            "{brand_at} I've been charged twice for my booking?? {amount} taken two times from my card",
        ),
        (
            "payment",
            "Anyone else just get double charged by {brand}? Two identical payments on my card",
        ),
        (
            "payment",
            "{brand_at} your app charged me twice for the same flight. Fix this and refund me NOW",
        ),
        (
            "payment",
            "Double charge from {brand} this morning, {amount} x2. Bank says both went through",
        ),
        (
            "payment",
            "is the {brand} app broken? payment failed, tried again, now I'm charged twice",
        ),
        (
            "payment",
            "My account is overdrawn because {brand} took my payment twice. Rent is due tomorrow {brand_at}",
        ),
        (
            "payment",
            "Just saw loads of people saying {brand} double charged them. Me too. {amount} twice.",
        ),
        (
            "payment",
            "{brand_at} charged twice for booking {ref}. When will the duplicate be refunded?",
        ),
        (
            "payment",
            "PSA: check your bank if you booked with {brand} today, they're charging people twice",
        ),
        (
            "payment",
            "Tried to pay once, {brand} charged my card twice. 3 hours on hold to get it sorted. Brilliant",
        ),
        ("payment", "Not the {brand} app charging my card 3 times for one booking 💸💸💸"),
        (
            "payment",
            "{brand_at} double payment on my card for {flight}, please refund the duplicate charge",
        ),
        (
            "payment",
            "{brand_at} me cobraron dos veces el mismo vuelo. Devuélvanme el dinero ya",
            "es",
        ),
        (
            "payment",
            "{brand_at} débité deux fois pour la même réservation, c'est une blague ?",
            "fr",
        ),
        (
            "payment",
            "{brand_at} mir wurde der Flug doppelt abgebucht! Wann bekomme ich mein Geld zurück?",
            "de",
        ),
    ],
)
INCIDENT_TOPIC = "payment double charge"
INCIDENT_KEYWORDS = (
    "charged twice",
    "charged me twice",
    "charged my card twice",
    "charging people twice",
    "charging my card 3 times",
    "double charge",
    "double charged",
    "double payment",
    "payment twice",
    "identical payments",
    "cobraron dos veces",
    "débité deux fois",
    "doppelt abgebucht",
)

# The echoed idea: a dark mode in the app, said in many ways.
IDEA = _bank(
    "suggestion",
    [
        ("app", "{brand_at} please add dark mode to the app 🙏"),
        ("app", "Any chance of a dark theme in the {brand} app? Checking in at 5am is blinding"),
        ("app", "Would love a night mode in the {brand} app"),
        ("app", "+1 for dark mode in the {brand} app, my eyes will thank you"),
        ("app", "{brand} app needs a dark mode. It's {year}."),
        ("app", "Feature request: dark mode for the {brand} app pls"),
        ("app", "Dear {brand}, dark mode. That's the post."),
        ("app", "Why is there still no dark mode in the {brand} app?? Every other app has one"),
        ("app", "The {brand} app at night is like staring into the sun. Dark theme please!"),
        ("app", "Suggestion: make the {brand} app follow my phone's dark setting"),
        ("app", "{brand_at} ¿para cuándo el modo oscuro en la app?", "es"),
        ("app", "Un mode sombre dans l'appli {brand}, svp 🙏", "fr"),
        ("app", "Bitte einen Dark Mode für die {brand} App!", "de"),
    ],
)
IDEA_KEY = "dark-mode"
IDEA_SUMMARY = "Dark mode in the app"

# Evidence a resolver can use: the author's own booking reference, or a pointer to their
# account on another channel.
EVIDENCE_REF = _bank(
    "complaint",
    [
        ("refund", "{brand_at} booking {ref}, flight cancelled and no refund yet. Please help"),
        (
            "booking",
            "Hi, my booking reference is {ref}. I need to change the date of my return flight.",
        ),
        ("app", "{brand_at} can someone look at booking {ref}? The app shows the wrong name"),
        ("refund", "Still no refund for {ref}. Emailed {n} times."),
        (
            "baggage",
            "{brand_at} bag missing since {flight}, booking ref {ref}, file number {city3}{n}{n}{n}",
        ),
    ],
)
EVIDENCE_REF_EMAIL = _bank(
    "complaint",
    [
        (
            "refund",
            "Hello,\n\nI am writing about booking {ref}. The flight was cancelled {weeks} weeks ago and I still have not received my refund of {amount}.\n\nKind regards,\n{name}",
        ),
        (
            "booking",
            "Hi,\n\nCould you please correct the spelling of my name on booking {ref}? It should read {name}.\n\nThanks,\n{first}",
        ),
        (
            "baggage",
            "Dear Bluefinch Care,\n\nMy suitcase did not arrive in {city} (booking {ref}, flight {flight}). Please tell me where it is.\n\n{name}",
        ),
    ],
)
EVIDENCE_SELF = _bank(
    "complaint",
    [
        (
            "waiting_time",
            "{brand_at} no answer to my message on {other_channel} ({other}) from {days} days ago. Anyone?",
        ),
        (
            "baggage",
            "Same question I asked on {other_channel} as {other}: where is my bag from {flight}?",
        ),
        (
            "refund",
            "Posted on {other_channel} too ({other}). Still waiting for that refund, {brand}.",
        ),
    ],
)

# The brand's replies, by what they answer. {to} is the greeting or @mention, {agent} signs.
BRAND_REPLY: dict[str, list[Template]] = {
    "complaint": _bank(
        "other",
        [
            (
                "",
                "{to} So sorry about this. Could you DM us your booking reference so we can look into it? ^{agent}",
            ),
            (
                "",
                "{to} That's not the experience we want for you. I've passed this to the team, they'll be in touch within 24h. {agent}",
            ),
            (
                "",
                "{to} Apologies for the wait. Please send us a DM with your details and we'll sort it out. /{agent}",
            ),
            (
                "",
                "{to} I'm really sorry. Can you share the flight number and date by DM? I'll chase it personally. ^{agent}",
            ),
            (
                "",
                "{to} Lo sentimos mucho. ¿Nos envías tu localizador por mensaje privado? ^{agent}",
                "es",
            ),
            (
                "",
                "{to} Toutes nos excuses. Pouvez-vous nous envoyer votre référence en message privé ? ^{agent}",
                "fr",
            ),
            (
                "",
                "{to} Das tut uns sehr leid. Schick uns bitte deine Buchungsnummer per DM. ^{agent}",
                "de",
            ),
        ],
    ),
    "incident": _bank(
        "other",
        [
            (
                "",
                "{to} We're aware some card payments were taken twice. Duplicates are being reversed automatically within 5 working days. Sorry for the worry. ^{agent}",
            ),
            (
                "",
                "{to} Sorry! A payment fault charged some bookings twice. You don't need to do anything, the duplicate will be refunded. ^{agent}",
            ),
            (
                "",
                "{to} Hemos detectado cobros duplicados; el reembolso es automático. Disculpa. ^{agent}",
                "es",
            ),
            (
                "",
                "{to} Les doubles débits sont remboursés automatiquement. Désolés ! ^{agent}",
                "fr",
            ),
            (
                "",
                "{to} Doppelte Abbuchungen werden automatisch erstattet. Entschuldigung! ^{agent}",
                "de",
            ),
        ],
    ),
    "question": _bank(
        "other",
        [
            (
                "",
                "{to} Hi! Yes, you can add bags under Manage booking up to 2 hours before departure. ^{agent}",
            ),
            (
                "",
                "{to} Good question! Everything's on bluefinch.example/help, or DM us and we'll check your booking. ^{agent}",
            ),
            ("", "{to} Hi there, that's free of charge up to 48h before departure. ^{agent}"),
            ("", "{to} ¡Hola! Sí, puedes hacerlo desde Gestionar reserva. ^{agent}", "es"),
            ("", "{to} Bonjour ! Oui, c'est possible depuis Gérer ma réservation. ^{agent}", "fr"),
            ("", "{to} Hallo! Ja, das geht unter Buchung verwalten. ^{agent}", "de"),
        ],
    ),
    "praise": _bank(
        "other",
        [
            ("", "{to} Thank you so much! We'll pass this on to the crew 💙 ^{agent}"),
            ("", "{to} This made our day, thanks for flying with us! ^{agent}"),
            ("", "{to} ¡Gracias! 💙 ^{agent}", "es"),
            ("", "{to} Merci beaucoup ! 💙 ^{agent}", "fr"),
            ("", "{to} Vielen Dank! 💙 ^{agent}", "de"),
        ],
    ),
    "suggestion": _bank(
        "other",
        [
            ("", "{to} Thanks for the idea! I've shared it with our product team. ^{agent}"),
            ("", "{to} Love this, noted and passed on 🙌 ^{agent}"),
            ("", "{to} ¡Gracias por la idea! ^{agent}", "es"),
            ("", "{to} Merci pour l'idée ! ^{agent}", "fr"),
            ("", "{to} Danke für die Idee! ^{agent}", "de"),
        ],
    ),
    "purchase_intent": _bank(
        "other",
        [
            (
                "",
                "{to} We'd love to have you on board! The flex fare lets you change dates for free. ^{agent}",
            ),
            ("", "{to} Great choice 😊 Fares to {city} are on bluefinch.example. ^{agent}"),
            ("", "{to} ¡Te esperamos a bordo! ^{agent}", "es"),
        ],
    ),
    "churn_threat": _bank(
        "other",
        [
            ("", "{to} We'd hate to lose you. Please DM us, I'd like to make this right. ^{agent}"),
            (
                "",
                "{to} I'm sorry we let you down. Can we have one more chance? DM us your booking ref. ^{agent}",
            ),
            ("", "{to} Sentimos mucho lo ocurrido. Escríbenos por privado. ^{agent}", "es"),
            ("", "{to} Nous sommes désolés. Écrivez-nous en privé. ^{agent}", "fr"),
            ("", "{to} Das tut uns leid. Schreib uns bitte privat. ^{agent}", "de"),
        ],
    ),
    "other": _bank(
        "other", [("", "{to} 💙 ^{agent}"), ("", "{to} Thanks for flying with us! ^{agent}")]
    ),
}
BRAND_SECOND_REPLY = _bank(
    "other",
    [
        (
            "",
            "{to} Thanks, we've got it. Your case is now with our refunds team, reference {case}. ^{agent}",
        ),
        ("", "{to} All done, you should see the update in the app now. ^{agent}"),
        (
            "",
            "{to} Thanks for your patience, I've escalated this and you'll hear from us by email. ^{agent}",
        ),
        ("", "{to} Gracias, ya está en marcha. ^{agent}", "es"),
        ("", "{to} Merci, c'est en cours. ^{agent}", "fr"),
        ("", "{to} Danke, wir kümmern uns darum. ^{agent}", "de"),
    ],
)
EMAIL_REPLY = _bank(
    "other",
    [
        (
            "",
            "Hi {first},\n\nThank you for contacting Bluefinch Care. I've looked into this and {outcome}.\n\nBest regards,\n{agent}\nBluefinch Care Team",
        ),
        (
            "",
            "Dear {first},\n\nSorry for the trouble. {outcome_cap}. If anything else comes up, just reply to this email.\n\nKind regards,\n{agent}, Bluefinch Care",
        ),
    ],
)
EMAIL_OUTCOMES = (
    "your refund has been approved and will reach your card within 5 working days",
    "your name has been corrected on the booking",
    "your bag has been located and will be delivered tomorrow",
    "I've added the checked bag to your booking at no charge",
    "I've escalated your case to our payments team",
)

FOLLOW_STILL = _bank(
    "complaint",
    [
        ("waiting_time", "Still waiting. This is the {n}th time I'm asking."),
        ("waiting_time", "DM sent {hours} hours ago, nothing."),
        ("waiting_time", "That's what you said last week {brand_at}"),
        ("waiting_time", "no reply to my DM yet 🙄"),
        ("waiting_time", "Sigo esperando respuesta.", "es"),
        ("waiting_time", "Toujours aucune réponse.", "fr"),
        ("waiting_time", "Immer noch keine Antwort.", "de"),
    ],
)
FOLLOW_THANKS = _bank(
    "praise",
    [
        ("service", "Thanks for the quick reply!"),
        ("service", "ok, thanks {agent}"),
        ("service", "Appreciate it 🙏"),
        ("service", "¡Gracias!", "es"),
        ("service", "Merci !", "fr"),
        ("service", "Danke!", "de"),
    ],
)
FOLLOW_REF = _bank(
    "other",
    [
        ("booking", "DM sent, booking ref {ref}"),
        ("booking", "Done. Ref is {ref}"),
        ("booking", "sent you my booking number {ref} in DM"),
        ("booking", "Localizador {ref}, enviado por privado.", "es"),
        ("booking", "Référence {ref}, envoyée en privé.", "fr"),
        ("booking", "Buchungsnummer {ref}, per DM geschickt.", "de"),
    ],
)
CLOSING_GOOD = _bank(
    "praise",
    [
        ("service", "Sorted now, thank you {agent} 🙏"),
        ("service", "Refund landed. Thanks for sorting it."),
        ("service", "All good now, cheers"),
        ("service", "Solucionado, ¡gracias {agent}!", "es"),
        ("service", "C'est réglé, merci {agent} !", "fr"),
        ("service", "Alles erledigt, danke {agent}!", "de"),
    ],
)
CLOSING_BAD = _bank(
    "complaint",
    [
        ("waiting_time", "Still not fixed but thanks I guess"),
        ("refund", "Refund landed. Took long enough."),
        ("service", "You keep saying that. Nothing happens."),
        ("service", "Sigue sin arreglarse.", "es"),
        ("service", "Toujours pas réglé.", "fr"),
        ("service", "Immer noch nicht gelöst.", "de"),
    ],
)
# Customers answering each other: the seed of advocacy.
HELPFUL = _bank(
    "other",
    [
        ("baggage", "You can add bags in Manage booking, did it last week"),
        ("refund", "Happened to me too, took about 2 weeks but the refund came through"),
        ("baggage", "Yes, strollers go to the gate for free, they tag it there"),
        ("waiting_time", "Call early morning, I got through in 5 mins"),
        ("delay", "Ask for the EU261 form, you're entitled to compensation for a {hours}h delay"),
        ("booking", "Name changes are free within 24h of booking, do it in the app"),
        ("airport", "{brand} uses terminal 1 in {city}, get there 2h before"),
        ("service", "Their chat on the website is way faster than the phone line fyi"),
    ],
)
STATEMENT = _bank(
    "other",
    [
        (
            "payment",
            "Some customers booking in our app today were charged twice. The fault is fixed and every duplicate payment is being refunded automatically within 5 working days. We're very sorry. Updates: bluefinch.example/status",
        ),
    ],
)

EMOJI = {
    "complaint": ("😡", "🙄", "😤", "💸", "🤬", "😩", "👎"),
    "praise": ("❤️", "🙌", "✈️", "😍", "👏", "💙", "🥳"),
    "question": ("🤔", "🙏", "❓"),
    "suggestion": ("🙏", "💡", "✨"),
    "purchase_intent": ("✈️", "🌴", "💸", "🤞"),
    "churn_threat": ("👋", "😤", "🚮"),
    "other": ("✈️", "🌅", "😊", "🛫"),
}

FIRST_NAMES = (
    "Maria",
    "José",
    "Aoife",
    "Liam",
    "Sophie",
    "Lukas",
    "Zoë",
    "Mateo",
    "Chloé",
    "Noah",
    "Emma",
    "Oliver",
    "Łukasz",
    "Siobhán",
    "Søren",
    "Björn",
    "Ana",
    "Lucía",
    "Hugo",
    "Léa",
    "Jonas",
    "Mia",
    "Sean",
    "Niamh",
    "Ciarán",
    "Fatima",
    "Omar",
    "Priya",
    "Arjun",
    "Mei",
    "Yuki",
    "Kwame",
    "Amara",
    "Tomás",
    "Inès",
    "Elif",
    "Mehmet",
    "Sara",
    "David",
    "Laura",
    "Daniel",
    "Anna",
    "Paul",
    "Julia",
    "Marco",
    "Giulia",
    "Pedro",
    "Beatriz",
    "Jan",
    "Eva",
    "Ben",
    "Grace",
    "Tom",
    "Ella",
    "Jack",
    "Chiara",
    "Finn",
    "Ida",
    "Nora",
    "Oscar",
    "Matthias",
    "Clara",
    "Ahmed",
    "Leila",
    "Ravi",
    "Anjali",
    "Chen",
    "Linh",
    "Kofi",
    "Zainab",
    "Dylan",
    "Erin",
    "Rory",
    "Saoirse",
    "Andrés",
    "Camille",
    "Théo",
    "Jürgen",
    "Katarzyna",
    "Piotr",
)
LAST_NAMES = (
    "Garcia",
    "García",
    "Murphy",
    "Kelly",
    "Müller",
    "Schmidt",
    "Dubois",
    "Martin",
    "Rossi",
    "Silva",
    "Santos",
    "O'Brien",
    "Byrne",
    "Walsh",
    "Nowak",
    "Kowalski",
    "Jensen",
    "Nielsen",
    "Andersson",
    "Johansson",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Ryan",
    "Doyle",
    "Fernández",
    "López",
    "Martínez",
    "Núñez",
    "Moreau",
    "Lefèvre",
    "Bernard",
    "Weber",
    "Becker",
    "Fischer",
    "Schäfer",
    "Ricci",
    "Romano",
    "Costa",
    "Pereira",
    "Nguyễn",
    "Tran",
    "Kim",
    "Park",
    "Wang",
    "Li",
    "Patel",
    "Shah",
    "Khan",
    "Ali",
    "Yılmaz",
    "Şahin",
    "Kovačević",
    "Horvat",
    "Novak",
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Mensah",
    "Okafor",
    "Adeyemi",
    "Hughes",
    "Clarke",
    "Quinn",
    "Farrell",
    "Lynch",
    "Moreno",
    "Díaz",
)
CITIES = (
    "Dublin",
    "Lisbon",
    "Madrid",
    "Berlin",
    "Paris",
    "Rome",
    "Amsterdam",
    "Prague",
    "Málaga",
    "Kraków",
    "Zürich",
    "Reykjavík",
    "Porto",
    "Nice",
    "Barcelona",
    "Edinburgh",
    "Vienna",
    "Copenhagen",
    "Milan",
    "Athens",
    "Seville",
    "Cork",
    "Bordeaux",
    "München",
    "Split",
)
ITEMS = ("bag", "suitcase", "stroller", "guitar", "wheelchair", "car seat", "surfboard", "bike box")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
AGENTS = ("Aoife", "Tomás", "Priya", "Jonas", "Marta", "Kwame", "Sinéad", "Luca")
CHANNEL_LABELS = {
    "x": "X",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "reddit": "Reddit",
    "email": "email",
    "review": "the review site",
}
