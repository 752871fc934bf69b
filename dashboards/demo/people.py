"""The demo's people: two schools with their leader, mentors and classes, one inspector, and
the students' records (names, birth dates, hand-over notes) drawn from a seeded random."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from students.models import Level

DEMO_PASSWORD = "leerroute-demo"

GIVEN_NAMES = {
    "v": "Sanne Emma Julia Lotte Sophie Eva Fleur Anna Lisa Noor Tess Zoë Mila Sara Lieke Iris "
         "Femke Yara Nina Amira Fatima Esra Saar Roos Isa Dewi Kiki Merel".split(),
    "m": "Jesse Daan Sem Lucas Milan Thijs Levi Finn Bram Ruben Luuk Stijn Tim Lars Max Thomas "
         "Gijs Mohamed Yusuf Ayoub Mees Jayden Owen Noah Sven Hugo Kees Jelle Niels Wout Ilias "
         "Rayan".split(),
}
FAMILY_NAMES = (
    ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"), ("", "Bakker"),
    ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"),
    ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"),
    ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"),
    ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"), ("van der", "Linden"), ("", "Kok"),
    ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"), ("van den", "Heuvel"), ("van der", "Veen"),
    ("van den", "Broek"), ("de", "Bruijn"), ("de", "Jong"), ("", "Yilmaz"), ("", "El Amrani"),
    ("", "Kaya"), ("", "Ouali"), ("", "Pinas"), ("", "Nguyen"), ("", "Wijaya"), ("", "Kramer"),
)
HANDOVER_NOTES = (
    "Dyslexieverklaring aanwezig; extra tijd bij toetsen.",
    "In groep 8 extra begeleiding bij begrijpend lezen.",
    "Faalangst bij toetsen; werkt goed met een vaste planning.",
    "Thuissituatie onrustig geweest in groep 7 en 8; contact met ouders loopt goed.",
    "Sterk in rekenen, heeft moeite met plannen van huiswerk.",
    "Schooladvies naar boven bijgesteld na de doorstroomtoets.",
    "Weinig aanwezig geweest in groep 8 door ziekte.",
)


@dataclass
class DemoSchool:
    brin: str
    name: str
    municipality: str
    board: str
    domain: str
    first_number: int
    leader: tuple
    classes: list = field(default_factory=list)  # (class code, level as in the file, leerjaar, mentor name)
    retention: tuple = (0.062, 0.051, 0.043)  # repeaters in the last three school years
    programme: bool = False  # a running NPO School Programme for this school year


SCHOOLS = [
    DemoSchool(
        brin="12AB", name="Het Baken College", municipality="Almere",
        board="Stichting Openbaar Onderwijs Het Baken", domain="baken.example",
        first_number=100001, leader=("Marieke", "Hoekstra"),
        classes=[
            ("1K1", Level.VMBO_KB, 1, ("Ahmed", "Bouzid")),
            ("1T1", Level.VMBO_GT, 1, ("Linda", "Post")),
            ("1H1", Level.HAVO, 1, ("Joost", "van Rijn")),
            ("1V1", Level.VWO, 1, ("Karin", "Schouten")),
            ("2B1", Level.VMBO_BB, 2, ("Peter", "Kuipers")),
            ("2H1", Level.HAVO, 2, ("Samira", "Amrani")),
            ("3T1", Level.VMBO_GT, 3, ("Erik", "de Lange")),
            ("3H1", Level.HAVO, 3, ("Anouk", "Verhoeven")),
            ("3V1", Level.VWO, 3, ("Bas", "Willems")),
            ("4K1", Level.VMBO_KB, 4, ("Ingrid", "Molenaar")),
            ("4H1", Level.HAVO, 4, ("Tom", "Huisman")),
            ("5V1", Level.VWO, 5, ("Els", "van Beek")),
        ],
    ),
    DemoSchool(
        brin="34CD", name="Scholengemeenschap De Linde", municipality="Zwolle",
        retention=(0.034, 0.041, 0.029), programme=True,
        board="Stichting Voortgezet Onderwijs IJsselland", domain="delinde.example",
        first_number=200001, leader=("Rob", "van Wijk"),
        classes=[
            ("1BK", Level.VMBO_BB, 1, ("Hanneke", "Zwart")),
            ("1TH", Level.VMBO_GT, 1, ("Mark", "Bosman")),
            ("1HV", "havo/vwo", 1, ("Yvonne", "Timmermans")),  # a dakpanklas
            ("2K", Level.VMBO_KB, 2, ("Jeroen", "Prins")),
            ("2V", Level.VWO, 2, ("Nadia", "Ouchan")),
            ("3B", Level.VMBO_BB, 3, ("Wim", "Koster")),
            ("3H", Level.HAVO, 3, ("Marloes", "Jonker")),
            ("4T", Level.VMBO_GT, 4, ("Frank", "Evers")),
            ("4V", Level.VWO, 4, ("Sophie", "Lambrechts")),
            ("5H", Level.HAVO, 5, ("Dennis", "Verbeek")),
            ("6V", Level.VWO, 6, ("Carla", "Wouters")),
            ("PR2", Level.PRO, 2, ("Gerard", "Maas")),
        ],
    ),
]
INSPECTOR = ("Hilde", "Claassen", "h.claassen@inspectie.example")


STAFF_HEADER = ("roepnaam", "tussenvoegsel", "achternaam", "e-mail", "afkorting", "rol")
ROSTER_HEADER = ("leerlingnummer", "roepnaam", "tussenvoegsel", "achternaam", "geboortedatum", "niveau",
                 "leerjaar", "klas", "mentor", "geslacht", "inschrijfdatum")
# How the demo's student information system writes a level.
LEVEL_IN_FILE = {Level.PRO: "pro", Level.VMBO_BB: "vmbo-bb", Level.VMBO_KB: "vmbo-kb",
                 Level.VMBO_GT: "vmbo-gt", Level.HAVO: "havo", Level.VWO: "vwo"}
TUSSENVOEGSELS = ("van den", "van der", "van", "de")


def email_of(first, last, domain):
    return f"{first[0].lower()}.{last.replace(' ', '').lower()}@{domain}"


def teacher_code(first, last):
    return f"{first[0]}{last.split()[-1][:3]}".upper()


def split_name(last):
    """'van Rijn' -> ('van', 'Rijn')."""
    for words in TUSSENVOEGSELS:
        if last.startswith(words + " "):
            return words, last[len(words) + 1:]
    return "", last


def staff_rows(demo):
    """The staff file: a mentor per class, as the school's staff export lists them."""
    for _code, _level, _year, (first, last) in demo.classes:
        yield (first, *split_name(last), email_of(first, last, demo.domain), teacher_code(first, last), "mentor")


def roster_rows(demo, year, rng):
    """The roster file: 22 to 28 students per class, their mentor by teacher code."""
    number = demo.first_number
    for class_code, level, leerjaar, (first, last) in demo.classes:
        for _ in range(rng.randint(22, 28)):
            tussenvoegsel, family_name = rng.choice(FAMILY_NAMES)
            sex = rng.choice("vm")
            # Age 12 on 1 October of leerjaar 1, one year older per leerjaar.
            born = date(year.start_year - 11 - leerjaar, 10, 1) + timedelta(days=rng.randint(0, 364))
            yield (
                str(number), rng.choice(GIVEN_NAMES[sex]), tussenvoegsel, family_name, f"{born:%d-%m-%Y}",
                LEVEL_IN_FILE.get(level, level), str(leerjaar), class_code, teacher_code(first, last),
                sex.upper() if rng.random() < 0.95 else "",  # not every school records it
                f"{date(year.start_year - leerjaar + 1, 8, 1):%d-%m-%Y}",
            )
            number += 1
