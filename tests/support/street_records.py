"""A small generator of noisy street records with known true identities, for the linkage tests.

It is deliberately independent of the product's synthetic London: people are drawn from name
pools of the communities London's outreach teams meet, then each record is written down the way
a busy worker might, with transliteration variants, nicknames, typos, swapped names, missing
surnames, age guesses instead of dates of birth and transposed days and months.
"""

from __future__ import annotations

import datetime as dt
import random
import string

import polars as pl

# (nationality, share, male given names, female given names, surnames or None for patronymic)
_POOLS = [
    (
        "GBR",
        0.45,
        "john james michael david paul mark robert peter andrew stephen richard thomas daniel "
        "christopher anthony william kevin gary lee darren martin wayne craig dean jason shaun "
        "steven ian simon neil carl scott ryan liam connor jamie nathan adam matthew patrick "
        "sean brian colin keith barry terry tony alan graham philip joseph samuel jack harry",
        "sarah emma laura claire lisa michelle karen donna nicola kelly rebecca victoria "
        "samantha amy hannah jessica gemma jennifer elizabeth margaret susan mary anne",
        "smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson "
        "thompson wright walker white edwards hughes green hall lewis harris clarke patel jackson "
        "wood turner martin cooper hill ward morris moore clark lee king baker harrison morgan "
        "allen james scott phillips watson davis parker price bennett young griffiths mitchell "
        "kelly cook carter richardson bailey collins bell shaw murphy miller cox richards khan "
        "marshall anderson simpson ellis adams singh begum wilkinson foster chapman powell webb "
        "rogers gray mason ali hunt hussain campbell matthews owen palmer holmes mills barnes "
        "knight lloyd butler russell barker fisher stevens jenkins murray dixon harvey graham "
        "pearson ahmed fletcher walsh kaur gibson howard andrews stewart elliott reynolds saunders "
        "payne fox ford pearce day brooks west lawrence cole atkinson bradley spencer gill dawson "
        "ball burton obrien watts rose booth perry ryan grant wells armstrong francis rees hayes "
        "hart hudson newman barrett webster hunter gregory carr lowe page marsh riley dunn woods",
    ),
    (
        "POL",
        0.1,
        "piotr krzysztof andrzej tomasz pawel michal marcin jakub lukasz grzegorz mateusz adam "
        "marek wojciech dariusz rafal jan jozef zbigniew kamil robert sebastian slawomir",
        "anna katarzyna malgorzata agnieszka barbara ewa joanna magdalena monika",
        "nowak kowalski wisniewski wojcik kowalczyk kaminski lewandowski zielinski szymanski "
        "wozniak dabrowski kozlowski jankowski mazur kwiatkowski krawczyk piotrowski grabowski "
        "nowakowski pawlowski michalski nowicki adamczyk dudek zajac wieczorek jablonski krol "
        "majewski olszewski jaworski wrobel malinowski pawlak witkowski walczak stepien gorski",
    ),
    (
        "ROU",
        0.1,
        "ion gheorghe vasile constantin nicolae mihai marian florin adrian dumitru stefan ionut "
        "alexandru daniel cristian andrei gabriel marius costel petru viorel",
        "maria elena ioana ana mihaela andreea cristina daniela",
        "popa popescu radu dumitru stan stoica gheorghe matei ciobanu ionescu rusu munteanu "
        "constantin mihai marin serban lungu tudor florea dinu barbu nistor moldovan toma ene "
        "cojocaru vasile ilie oprea diaconu lazar",
    ),
    (
        "ERI",
        0.07,
        "tesfaye yohannes berhane tekle haile gebremedhin kidane mulugeta dawit filmon amanuel "
        "habtom mebrahtu samuel daniel yonas mesfin ghirmay tewelde robel medhanie biniam "
        "henok tsegay kibrom abraham solomon michael",
        "helen selam senait rahel winta saba ruth",
        None,
    ),
    (
        "SOM",
        0.07,
        "mohamed abdi ahmed hassan ali abdullahi abdirahman omar ibrahim yusuf ismail hussein "
        "osman farah mustafa abdulkadir said khalid adam jama nur warsame aden",
        "fadumo hodan amina sahra asha faduma hawa ifrah",
        None,
    ),
    (
        "SDN",
        0.05,
        "mohammed ahmed abdalla osman ibrahim hamid adam yousif mustafa khalid salah ali omer "
        "abdelrahman musa idris yasir hassan",
        "fatima amna",
        None,
    ),
    (
        "AFG",
        0.04,
        "mohammad ahmad ali hamid mustafa jawad karim rahim sayed najib farid habib",
        "zahra",
        "ahmadi mohammadi rahimi karimi hussaini sultani hakimi noori azizi amiri haidari rezai",
    ),
    (
        "IND",
        0.04,
        "rajesh sanjay harpreet gurpreet manjit sukhwinder amit vijay arjun ravi suresh",
        "priya",
        "singh kaur sharma patel kumar gill sandhu sidhu dhillon grewal",
    ),
    (
        "LTU",
        0.04,
        "tomas andrius mindaugas darius giedrius saulius vytautas jonas",
        "rasa",
        "kazlauskas jankauskas petrauskas stankevicius vasiliauskas zukauskas butkus paulauskas",
    ),
    (
        "IRL",
        0.04,
        "patrick michael sean john declan liam kieran padraig",
        "siobhan mary",
        "murphy kelly obrien walsh byrne ryan oconnor doyle mccarthy gallagher doherty kennedy",
    ),
]

# How the same name comes out of different workers' pens.
_VARIANTS = {
    "mohamed": ["mohammed", "muhammad", "mohammad", "mohamad", "mo", "mohd"],
    "mohammed": ["mohamed", "muhammad", "mohammad", "mo"],
    "mohammad": ["mohammed", "muhammad", "mohamed"],
    "ahmed": ["ahmad", "ahmet"],
    "ahmad": ["ahmed"],
    "tesfaye": ["tesfay", "tesfai"],
    "yohannes": ["yohanes", "johannes", "john"],
    "hussein": ["husein", "hussain"],
    "abdullahi": ["abdulahi", "abdi"],
    "abdirahman": ["abdulrahman", "abdi"],
    "yusuf": ["yousef", "yousif"],
    "yousif": ["yusuf", "yousef"],
    "ibrahim": ["ebrahim"],
    "osman": ["othman", "usman"],
    "omar": ["umar", "omer"],
    "mustafa": ["mustapha"],
    "khalid": ["khaled"],
    "berhane": ["berhe", "birhane"],
    "gebremedhin": ["gebre", "ghebremedhin"],
    "haile": ["hayle"],
    "tekle": ["teklay", "tecle"],
    "robert": ["bob", "rob", "robbie"],
    "william": ["bill", "billy", "will"],
    "james": ["jim", "jimmy", "jamie"],
    "michael": ["mick", "mike", "micky"],
    "anthony": ["tony"],
    "christopher": ["chris"],
    "daniel": ["danny", "dan"],
    "thomas": ["tom", "tommy"],
    "patrick": ["paddy", "pat"],
    "stephen": ["steve", "steven"],
    "steven": ["steve", "stephen"],
    "joseph": ["joe"],
    "samuel": ["sam"],
    "matthew": ["matt"],
    "jakub": ["kuba", "jacob"],
    "piotr": ["peter"],
    "pawel": ["paul"],
    "wojciech": ["wojtek"],
    "krzysztof": ["chris", "krzys"],
    "grzegorz": ["greg"],
    "lukasz": ["luke"],
    "tomasz": ["tomek", "tom"],
    "malgorzata": ["gosia"],
    "katarzyna": ["kasia"],
    "alexandru": ["alex"],
    "gheorghe": ["george"],
    "constantin": ["costel"],
    "ion": ["ionut", "john"],
    "nicolae": ["nicu"],
    "dawit": ["david"],
    "amanuel": ["emmanuel"],
}
_STREET_NAMES = ["scouse", "jock", "taff", "geordie", "paddy", "smiler", "red", "lofty", "big"]


def _typo(rng: random.Random, name: str) -> str:
    """One keyboard or hearing slip: a letter dropped, doubled, swapped or replaced."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(["drop", "double", "swap", "replace", "vowel"])
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    if kind == "swap":
        return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]
    if kind == "vowel":
        vowels = [j for j, c in enumerate(name) if c in "aeiou" and j > 0]
        if vowels:
            j = rng.choice(vowels)
            return name[:j] + rng.choice("aeiou") + name[j + 1 :]
    return name[:i] + rng.choice(string.ascii_lowercase) + name[i + 1 :]


def _zipf_choice(rng: random.Random, names: list[str]) -> str:
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(names))]
    return rng.choices(names, weights)[0]


def _ni(rng: random.Random) -> str:
    letters = "ABCEGHJKLMNPRSTWXYZ"
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    return rng.choice(letters) + rng.choice(letters) + digits + rng.choice("ABCD")


def _people(rng: random.Random, n: int) -> list[dict]:
    people = []
    shares = [pool[1] for pool in _POOLS]
    for i in range(n):
        nat, _, males, females, surnames = rng.choices(_POOLS, shares)[0]
        male = rng.random() < 0.84
        given = _zipf_choice(rng, (males if male else females).split())
        if surnames is None:  # patronymic: the father's given name
            surname = _zipf_choice(rng, males.split())
        else:
            surname = _zipf_choice(rng, surnames.split())
        dob = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 52 * 365))
        if rng.random() < 0.08:  # documents issued with 1 January when the day was unknown
            dob = dob.replace(month=1, day=1)
        has_ni = rng.random() < (0.9 if nat in ("GBR", "IRL") else 0.5)
        people.append(
            {
                "person": f"P{i:06d}",
                "first": given,
                "last": surname,
                "dob": dob,
                "gender": "male" if male else "female",
                "nationality": nat,
                "ni": _ni(rng) if has_ni else None,
            }
        )
        if rng.random() < 0.02:  # a brother with the same surname and a close birthday
            brother = dict(people[-1])
            brother["person"] = f"P{i:06d}b"
            brother["first"] = _zipf_choice(rng, males.split())
            brother["dob"] = dob + dt.timedelta(days=rng.randrange(300, 2000))
            brother["ni"] = _ni(rng) if has_ni else None
            people.append(brother)
    return people


# Per source: dob missing, surname missing, name variant, typo, swapped, transposed, NI kept.
_NOISE = {
    "chain": (0.30, 0.10, 0.30, 0.10, 0.02, 0.02, 0.15),
    "hclic": (0.03, 0.01, 0.12, 0.05, 0.01, 0.01, 0.85),
    "inform": (0.08, 0.03, 0.18, 0.06, 0.01, 0.01, 0.50),
}


def _record(rng: random.Random, person: dict, source: str, seen: dt.date) -> dict:
    p_dob, p_surname, p_variant, p_typo, p_swap, p_transpose, p_ni = _NOISE[source]
    first, last = person["first"], person["last"]
    known_as = None
    if rng.random() < p_variant and first in _VARIANTS:
        first = rng.choice(_VARIANTS[first])
    if rng.random() < p_variant / 2 and last in _VARIANTS:
        last = rng.choice(_VARIANTS[last])
    if rng.random() < p_typo:
        first = _typo(rng, first)
    if rng.random() < p_typo:
        last = _typo(rng, last)
    if source == "chain" and rng.random() < 0.15:
        known_as = rng.choice(_VARIANTS.get(person["first"], _STREET_NAMES))
    if rng.random() < p_swap:
        first, last = last, first
    if rng.random() < p_surname:
        last = None
    dob, approx_age = person["dob"], None
    if dob.day <= 12 and rng.random() < p_transpose:
        dob = dob.replace(month=dob.day, day=dob.month)
    elif rng.random() < 0.01:
        dob = dob.replace(year=dob.year + rng.choice([-1, 1, -10, 10]))
    if rng.random() < p_dob:
        dob = None
        if source == "chain" and rng.random() < 0.85:
            age = (seen - person["dob"]).days // 365
            approx_age = str(max(16, age + round(rng.gauss(0, 3))))
    ni = person["ni"] if rng.random() < p_ni else None
    if ni and rng.random() < 0.02:
        ni = ni[:3] + rng.choice(string.digits) + ni[4:]
    gender = person["gender"] if rng.random() > 0.03 else "unknown"
    nationality = person["nationality"] if rng.random() > 0.12 else "unknown"

    def style(name: str | None) -> str | None:
        if name is None:
            return None
        return rng.choice([name.title(), name.upper(), name.title(), f" {name.title()}"])

    return {
        "first_name": style(first),
        "last_name": style(last),
        "known_as": style(known_as),
        "dob": dob,
        "approx_age": approx_age,
        "gender": gender,
        "nationality": nationality,
        "ni_number": ni,
    }


def street_records(
    n_people: int = 600, seed: int = 7
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Source tables (SPEC section 3 columns used by linkage) and the truth for them.

    Roughly: everyone has a CHAIN record (a few two or three), a quarter an H-CLIC case, a third
    a hostel stay; and as many again appear only in H-CLIC or only in In-Form.
    """
    rng = random.Random(seed)
    people = _people(rng, n_people)
    rows: dict[str, list[dict]] = {"chain": [], "hclic": [], "inform": []}
    contacts, truth = [], []
    start = dt.date(2019, 4, 1)
    for i, person in enumerate(people):
        seen = start + dt.timedelta(days=rng.randrange(0, 6 * 365))
        home = f"E090000{rng.randrange(10, 34)}"

        def borough(home: str = home) -> str:
            return home if rng.random() < 0.7 else f"E090000{rng.randrange(10, 34)}"

        on_street = i % 5 < 3
        counts = {
            "chain": (rng.choices([1, 2, 3], [0.93, 0.06, 0.01])[0] if on_street else 0),
            "hclic": (rng.random() < 0.25) * rng.choice([1, 1, 2]) if on_street else i % 5 == 3,
            "inform": (rng.random() < 0.33) * rng.choice([1, 1, 2, 3]) if on_street else i % 5 == 4,
        }
        for source, count in counts.items():
            for _ in range(int(count)):
                record = _record(rng, person, source, seen)
                n = len(rows[source])
                if source == "chain":
                    record_id = f"C{n:07d}"
                    record["chain_id"] = record_id
                    contacts.append(
                        {
                            "chain_id": record_id,
                            "contact_date": seen,
                            "borough": borough(),
                            "contact_type": "bedded_down",
                        }
                    )
                elif source == "hclic":
                    record["la_code"] = borough()
                    record["case_ref"] = f"H{n:06d}"
                    record["approach_date"] = seen - dt.timedelta(days=rng.randrange(0, 300))
                    record_id = f"{record['la_code']}/{record['case_ref']}"
                else:
                    record["provider"] = rng.choice(["SMU", "TRA", "CGL", "LON"])
                    record["resident_id"] = f"R{n:06d}"
                    record["move_in"] = seen + dt.timedelta(days=rng.randrange(0, 200))
                    record["hostel_borough"] = borough()
                    record_id = f"{record['provider']}/{record['resident_id']}"
                rows[source].append(record)
                truth.append(
                    {
                        "source": source,
                        "source_record_id": record_id,
                        "true_person": person["person"],
                    }
                )
    tables = {
        "chain_people": pl.DataFrame(rows["chain"]),
        "chain_contacts": pl.DataFrame(contacts),
        "hclic_cases": pl.DataFrame(rows["hclic"]).drop("approx_age", "known_as"),
        "inform_stays": pl.DataFrame(rows["inform"]).drop("approx_age", "known_as"),
    }
    return tables, pl.DataFrame(truth)
