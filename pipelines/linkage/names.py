"""How names recorded on the street are cleaned and keyed before they are compared.

Outreach workers write down what they hear, often from someone who gives a nickname, an
anglicised form or a name transliterated from Arabic, Tigrinya, Somali, Polish or Romanian.
Three tools carry that knowledge into the model:

- ``fold_name``: lower case, accents removed, titles and placeholders ("unknown", "NK") dropped.
- ``NAME_FORMS``: nicknames, short forms and cross-language equivalents of a formal name
  (Bob and Robert, Mo and Mohammed, Kuba and Jakub, Yohannes and John). A name stands for the
  set of its forms; two names agree when their sets meet.
- ``name_key``: a spelling-blind key for transliteration variants that no list can hold. Vowel
  runs collapse to one vowel, doubled letters to one, and letters that transliterate
  interchangeably to one letter, so Mohamed, Mohammed and Muhammad share a key, as do Tesfaye and
  Tesfay, or Ahmed and Ahmad.

Nothing here holds data about people: only code lists of names in public use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Written down when the name was not given; treated as missing, never as a name.
PLACEHOLDERS = frozenset(
    {
        "unknown",
        "unk",
        "not",
        "known",
        "nk",
        "na",
        "none",
        "noname",
        "anon",
        "anonymous",
        "refused",
        "declined",
        "tbc",
        "tba",
        "xx",
        "xxx",
        "no",
        "name",
        "given",
        "nfn",
        "lnu",
        "fnu",
        "client",
        "male",
        "female",
        "person",
    }
)
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sr", "jr", "snr", "jnr"})

# Street names that describe rather than name: where someone is from, how they look, what they
# do. Many people on one caseload answer to Scouse or Tiny, so a shared one is no forename
# agreement; a known-as name that is a given name or its short form (Bob, Mo) still counts.
DESCRIPTIVE_NICKNAMES = frozenset(
    {
        # where from
        "scouse",
        "scouser",
        "jock",
        "jocky",
        "taff",
        "taffy",
        "paddy",
        "irish",
        "geordie",
        "brummie",
        "cockney",
        "yorkie",
        "manc",
        "cornish",
        "welshy",
        "polish",
        "polski",
        "romanian",
        "russian",
        "kiwi",
        "aussie",
        "yank",
        # how they look or carry themselves
        "big",
        "little",
        "tiny",
        "shorty",
        "lanky",
        "slim",
        "red",
        "ginger",
        "blondie",
        "curly",
        "baldy",
        "smiler",
        "lefty",
        "bear",
        # what they do or did
        "preacher",
        "doc",
        "sailor",
        "chef",
        "rasta",
        "soldier",
        "sarge",
        "prof",
        "professor",
        "artist",
    }
)

# Letters that Unicode does not decompose into a base letter and an accent.
_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
)

# Each entry: a formal name and the forms it is recorded under. Names may sit in several groups
# (Alex is Alexander or Alexandra); two names agree when any of their groups is shared.
_FORM_GROUPS: dict[str, tuple[str, ...]] = {
    # English and Irish given names and their everyday short forms
    "robert": ("bob", "bobby", "rob", "robbie", "robby", "bert", "bertie"),
    "william": ("bill", "billy", "will", "willie", "willy", "liam", "wil"),
    "james": ("jim", "jimmy", "jimmie", "jamie", "jay", "jas"),
    "john": (
        "jon",
        "johnny",
        "johnnie",
        "jack",
        "jackie",
        "jonny",
        "jan",
        "johann",
        "johannes",
        "juan",
        "giovanni",
        "ion",
        "ionut",
        "ionel",
        "yohannes",
        "yohanes",
        "yonas",
        "jean",
        "joao",
        "janek",
    ),
    "jonathan": ("jon", "jonny", "jonty"),
    "michael": (
        "mike",
        "mick",
        "micky",
        "mickey",
        "mikey",
        "mikel",
        "mich",
        "michal",
        "mihai",
        "mihail",
        "mikhail",
        "miguel",
        "michele",
        "mikael",
        "mikolaj",
    ),
    "richard": ("rich", "rick", "ricky", "richie", "dick", "rico", "ryszard"),
    "thomas": ("tom", "tommy", "tommie", "thom", "tomasz", "toma", "tomas", "tomek"),
    "anthony": ("tony", "ant", "antony", "anton", "antonio", "antoni", "antek"),
    "christopher": (
        "chris",
        "kris",
        "christoph",
        "kit",
        "krzysztof",
        "krzys",
        "cristian",
        "kristof",
        "topher",
    ),
    "daniel": ("dan", "danny", "dani", "dano", "daniele", "danut", "dawit"),
    "david": (
        "dave",
        "davey",
        "davy",
        "dai",
        "dawid",
        "dawit",
        "davide",
        "daud",
        "dawud",
        "dawood",
        "daoud",
    ),
    "edward": ("ed", "eddie", "eddy", "ted", "teddy", "ned", "edek"),
    "joseph": (
        "joe",
        "joey",
        "jo",
        "jos",
        "jozef",
        "josef",
        "jose",
        "giuseppe",
        "yusuf",
        "yousef",
        "yousif",
        "yosef",
        "iosif",
        "jozsef",
        "pepe",
    ),
    "patrick": ("pat", "paddy", "patsy", "packie", "patryk"),
    "peter": (
        "pete",
        "piotr",
        "pietro",
        "petru",
        "petr",
        "pedro",
        "piet",
        "pieter",
        "petros",
        "petre",
    ),
    "stephen": (
        "steve",
        "steven",
        "stevie",
        "stephan",
        "stefan",
        "stefano",
        "stepan",
        "steph",
        "stevan",
        "esteban",
        "stephon",
    ),
    "andrew": (
        "andy",
        "drew",
        "andrzej",
        "andrei",
        "andrea",
        "andres",
        "andreas",
        "andre",
        "andrija",
        "andrius",
        "jedrzej",
    ),
    "alexander": (
        "alex",
        "alec",
        "alek",
        "alexandru",
        "aleksander",
        "aleksandr",
        "aleksandar",
        "alessandro",
        "alejandro",
        "alexandros",
        "sasha",
        "sacha",
        "sandu",
        "sandy",
        "olek",
        "oleksandr",
        "iskander",
        "iskandar",
        "xander",
        "lex",
    ),
    "alexandra": (
        "alex",
        "alexa",
        "sasha",
        "sandra",
        "sandy",
        "lexi",
        "ola",
        "aleksandra",
        "alessandra",
    ),
    "nicholas": (
        "nick",
        "nicky",
        "nico",
        "nicolae",
        "nicu",
        "nicolas",
        "nikolai",
        "nikola",
        "nicola",
        "nikos",
        "mikolaj",
        "klaus",
        "colin",
    ),
    "samuel": ("sam", "sammy", "sami", "samuele"),
    "benjamin": ("ben", "benny", "benji", "bennie"),
    "matthew": (
        "matt",
        "matty",
        "mat",
        "mateusz",
        "matei",
        "matteo",
        "mateo",
        "mathieu",
        "matthias",
        "mattias",
        "maciej",
        "matei",
    ),
    "charles": (
        "charlie",
        "chas",
        "chaz",
        "chuck",
        "carl",
        "karl",
        "karol",
        "carlos",
        "carlo",
        "charly",
    ),
    "francis": (
        "frank",
        "frankie",
        "fran",
        "franco",
        "francesco",
        "francisco",
        "franciszek",
        "franek",
        "frantisek",
    ),
    "frederick": ("fred", "freddie", "freddy", "fritz", "fryderyk"),
    "gregory": ("greg", "gregor", "grzegorz", "grigore", "grigori", "grisha"),
    "henry": ("harry", "hal", "hank", "henryk", "henri", "enrique", "enrico", "heinrich"),
    "lawrence": ("larry", "laurie", "lawrie", "laurence", "lorenzo", "laurentiu", "wawrzyniec"),
    "leonard": ("len", "lenny", "leo", "leon", "leonardo"),
    "martin": ("marty", "marcin", "martyn", "martino", "martim"),
    "raymond": ("ray", "raymund", "rajmund", "ramon"),
    "ronald": ("ron", "ronnie", "ronny"),
    "kenneth": ("ken", "kenny"),
    "terence": ("terry", "terrence", "tel"),
    "timothy": ("tim", "timmy"),
    "vincent": ("vince", "vinny", "vinnie", "vincenzo", "wincenty"),
    "walter": ("walt", "wally", "walther"),
    "albert": ("al", "bert", "bertie", "albie", "alberto", "albrecht"),
    "alfred": ("al", "alf", "alfie", "fred", "freddie"),
    "alan": ("al", "allan", "allen", "alun"),
    "philip": ("phil", "pip", "filip", "felipe", "philippe", "filippo"),
    "jacob": (
        "jake",
        "jakub",
        "kuba",
        "jacques",
        "jakob",
        "iacob",
        "yakub",
        "yaqub",
        "yakov",
        "jacopo",
    ),
    "joshua": ("josh",),
    "luke": ("luca", "lucas", "lukas", "lukasz", "luka", "lukacz"),
    "paul": ("pawel", "paolo", "pablo", "paulo", "pavel", "pavlo", "paulie"),
    "george": (
        "georgie",
        "gheorghe",
        "gica",
        "jerzy",
        "jorge",
        "giorgio",
        "georgios",
        "yuri",
        "yuriy",
        "georg",
        "giorgi",
    ),
    "gerald": ("gerry", "jerry", "ger"),
    "gerard": ("gerry", "ger", "gerardo"),
    "jeremy": ("jerry", "jez"),
    "margaret": (
        "maggie",
        "meg",
        "peggy",
        "marge",
        "madge",
        "margo",
        "maisie",
        "malgorzata",
        "gosia",
        "margareta",
        "greta",
        "rita",
    ),
    "elizabeth": (
        "liz",
        "lizzie",
        "beth",
        "betty",
        "bess",
        "elisabeth",
        "eliza",
        "elzbieta",
        "ela",
        "libby",
        "lisa",
        "elisabeta",
    ),
    "catherine": (
        "cathy",
        "kate",
        "katie",
        "kathy",
        "cat",
        "kathleen",
        "katherine",
        "katarzyna",
        "kasia",
        "caterina",
        "ecaterina",
        "katrina",
    ),
    "susan": ("sue", "suzy", "susie", "suzanne", "zuzanna"),
    "deborah": ("debbie", "debra", "deb"),
    "patricia": ("pat", "patsy", "trish", "tricia", "patty"),
    "jennifer": ("jen", "jenny", "jenni"),
    "rebecca": ("becky", "becca", "bex"),
    "victoria": ("vicky", "vicki", "tori", "wiktoria"),
    "samantha": ("sam", "sammy", "sammi"),
    "christine": ("chris", "chrissie", "tina", "christina", "krystyna", "kristina", "cristina"),
    "anne": ("ann", "anna", "annie", "anya", "ania", "anka"),
    "mary": ("maria", "marie", "molly", "mariam", "maryam", "miriam", "marija", "mariana", "mimi"),
    "helen": ("helena", "ellen", "nell", "elena", "ileana", "halina"),
    "joanna": ("joan", "jo", "joanne", "asia", "ioana", "johanna", "giovanna"),
    "eugene": ("gene", "eugeniusz", "eugen", "evgeny", "yevgeny", "zhenya"),
    "vladimir": ("vlad", "vova", "volodymyr", "wlodzimierz", "wlodek"),
    "stanislaw": ("stan", "stanley", "stas", "stanislav"),
    "wojciech": ("wojtek", "voytek", "wojtas"),
    "constantin": ("costel", "costi", "costica", "konstantin", "konstanty", "kostas", "dinu"),
    "vasile": ("vasilica", "vasi", "basil", "vasyl", "vasili", "wasyl"),
    "dumitru": ("dima", "dumitrel", "mitica", "dimitri", "dmitri", "dmytro", "dimitrios"),
    "ilie": ("elijah", "ilya", "ilias", "eli", "elias", "ilyas"),
    "sergei": ("sergiu", "serghei", "serhiy", "sergey", "sergio", "serge"),
    # Arabic, Somali, Tigrinya, Amharic and South Asian names with their short forms and the
    # Somali spellings (x for the Arabic h, c for the ayn) that no spelling key can reach.
    "muhammad": (
        "mohammed",
        "mohamed",
        "mohammad",
        "mohamad",
        "muhammed",
        "muhamed",
        "mohamud",
        "maxamed",
        "maxammed",
        "mahamed",
        "mehmet",
        "mehmed",
        "mamadou",
        "mamadu",
        "mo",
        "moe",
        "moh",
        "mohd",
        "muhd",
        "md",
        "mhd",
        "hamoudi",
        "hamudi",
        "hamada",
    ),
    "ahmed": ("ahmad", "axmed", "ahmet", "ahmedi", "ahmadi"),
    "mahmoud": ("mahmood", "mahmud", "mahmut", "maxamuud", "mahamud"),
    "hassan": ("hasan", "xasan", "hassen", "hasen"),
    "hussein": ("husein", "hussain", "husain", "husayn", "xuseen", "hysen", "huseyin"),
    "ali": ("cali", "aly", "alee"),
    # Abdi and Abdul are everyday short forms of each of the compound Abd- names below, which
    # are different names from one another: each group carries the short forms itself.
    "abdullah": (
        "abdullahi",
        "abdulahi",
        "abdillahi",
        "cabdullahi",
        "abdulla",
        "abdallah",
        "abdalla",
        "abdi",
        "abdul",
        "abdo",
        "abdu",
    ),
    "abdirahman": (
        "abdulrahman",
        "abdelrahman",
        "abdurrahman",
        "abdirahmaan",
        "cabdiraxmaan",
        "abdi",
        "abdul",
        "abdo",
        "abdu",
    ),
    "abdulkadir": ("abdulqadir", "abdikadir", "abdiqadir", "abdelkader", "abdi", "abdul"),
    "abdulaziz": ("abdelaziz", "abdiaziz", "aziz", "abdi", "abdul"),
    "abdirashid": ("abdulrashid", "abdirashiid", "abdi", "abdul", "rashid"),
    "abdikarim": ("abdulkarim", "abdelkarim", "abdi", "abdul", "karim"),
    "abdisalam": ("abdulsalam", "abdessalam", "abdi", "abdul"),
    "abdirizak": ("abdulrazak", "abdirisaq", "abdirazak", "abdi", "abdul", "razak"),
    "abdi": ("cabdi",),
    "omar": ("umar", "omer", "cumar", "oumar", "umer"),
    "osman": ("othman", "uthman", "usman", "cusmaan", "osmaan", "ousmane", "usmaan"),
    "ibrahim": (
        "ebrahim",
        "ibraahim",
        "ibrahima",
        "brahim",
        "ibro",
        "abraham",
        "avraham",
        "ibrahimi",
    ),
    "ismail": ("ismael", "ismaeel", "esmail", "ismaaciil", "smail", "ishmael"),
    "yusuf": ("yousef", "youssef", "yusef", "yousif", "yossef", "yuusuf", "joseph", "yosef"),
    "musa": ("moussa", "mousa", "muusa", "moses", "moshe", "mussa"),
    "isa": ("issa", "ciise", "eisa"),
    "suleiman": (
        "sulaiman",
        "suleyman",
        "sulayman",
        "suleman",
        "solomon",
        "sileymaan",
        "salomon",
        "selemon",
    ),
    "mustafa": ("mustapha", "mostafa", "moustafa", "mustafe", "mustefa"),
    "khalid": ("khaled", "xaalid", "khalied", "halid", "kaled"),
    "khalil": ("halil", "xaliil", "kalil"),
    "hamid": ("hamed", "xaamid", "hameed", "hamit"),
    "said": ("saeed", "saed", "sayid", "sayed", "sayyid", "siciid", "saeid", "syed", "sied"),
    "yasin": ("yassin", "yaseen", "yassine", "yacine", "yasiin"),
    "idris": ("idriss", "idrees", "edris", "idiris", "cidiris"),
    "adam": ("adem", "aadam", "adama", "adan", "aadan"),
    "farah": ("faarax", "farrah"),
    "jamal": ("gamal", "jamaal", "jamaal", "cemal"),
    "zakaria": ("zakariya", "zakariye", "zakaria", "zachariah", "zacharias", "zack", "zak"),
    "yahya": ("yahia", "yehia", "yaxye"),
    "yunus": ("younis", "yonis", "younes", "yunis", "jonah", "yonas"),
    "tesfaye": ("tesfay", "tesfai", "tesfa", "tesfalem", "tesfamariam", "tesfamichael"),
    "haile": ("hayle", "haylu", "hailu", "hailemariam", "hailemichael", "haileselassie"),
    "gebre": (
        "gebru",
        "gebray",
        "gebremedhin",
        "gebremichael",
        "gebrehiwet",
        "gebreyesus",
        "gebremariam",
        "ghebre",
        "ghebremedhin",
        "gebrekidan",
        "gebrezgabiher",
        "gebreab",
    ),
    "tekle": ("teklay", "tecle", "tekleab", "teklehaimanot", "teklu", "teklit"),
    "berhane": ("berhe", "birhane", "berhan", "birhan", "berhanu", "brhane"),
    "filmon": ("philemon", "filimon", "filmawi", "philmon"),
    "kidane": ("kidan", "kiddane", "kidanemariam"),
    "habte": ("habtom", "habtemariam", "habtu", "habtay"),
    "mulugeta": ("mulu", "mulgeta"),
    "selam": ("salam", "selamawit", "salem"),
    "mebrahtu": ("mebrahtom", "mebrat", "mebratu"),
    "amanuel": ("emmanuel", "amanual", "emanuel", "manuel", "manny", "emanuele"),
    "mikael": ("michael", "mikiel", "mikail", "mikhail"),
    "dawit": ("david", "dawid"),
    "mesfin": ("mesfun", "mesfen"),
    "singh": ("sing",),
    "harpreet": ("harprit", "harry"),
    "gurpreet": ("gurprit", "gary"),
    "rajinder": ("raj", "rajender", "rajendra"),
    "sukhwinder": ("sukhvinder", "sukh"),
}


@cache
def _forms_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for formal, forms in _FORM_GROUPS.items():
        for name in (formal, *forms):
            index.setdefault(name, set()).add(formal)
    return {name: frozenset(groups) for name, groups in index.items()}


def fold_name(text: str | None) -> str | None:
    """Return a name in plain lower-case letters with titles and placeholders removed.

    >>> fold_name("  Ștefan-Łukasz ")
    'stefan lukasz'
    >>> fold_name("N/K") is None
    True
    """
    if text is None:
        return None
    text = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`]", "", text)
    tokens = [t for t in re.split(r"[^a-z]+", text) if t and t not in TITLES]
    if not tokens or "".join(tokens) in PLACEHOLDERS or all(t in PLACEHOLDERS for t in tokens):
        return None
    return " ".join(t for t in tokens if t not in PLACEHOLDERS) or None


def name_forms(name: str | None) -> list[str]:
    """The formal names a folded name may stand for, the name itself included.

    >>> name_forms("mo")
    ['mo', 'muhammad']
    """
    if not name:
        return []
    return sorted({name, *_forms_index().get(name, ())})


_DIGRAPHS = (
    ("sch", "s"),
    ("ph", "f"),
    ("kh", "h"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("ch", "k"),
    ("ck", "k"),
    ("cz", "k"),
    ("sz", "s"),
    ("rz", "r"),
    ("ts", "s"),
    ("tz", "s"),
)
_LETTERS = str.maketrans({"q": "k", "c": "k", "x": "k", "z": "s", "w": "v"})


@cache
def name_key(name: str | None) -> str | None:
    """A spelling-blind key: names that transliterate to each other share it.

    Vowels collapse to ``a`` (transliteration moves vowels freely), ``h`` after a consonant
    drops, doubled letters become one, and interchangeable letters (c/k/q, z/s, w/v, j/y)
    become one.

    >>> name_key("Mohammed") == name_key("Muhammad") == name_key("mohamed")
    True
    >>> name_key("tesfaye") == name_key("tesfay")
    True
    """
    folded = fold_name(name)
    if not folded:
        return None
    text = folded.replace(" ", "")
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    text = text.translate(_LETTERS)
    # An initial j or y is a consonant (Johannes, Yohannes); elsewhere y is a vowel (Tesfaye).
    text = ("y" + text[1:] if text[0] in "jy" else text[0] + text[1:]).replace("j", "y")
    text = text[0] + text[1:].replace("y", "e")
    text = re.sub(r"(?<=[^aeiou])h", "", text)
    text = re.sub(r"[aeiou]+", "a", text)
    text = re.sub(r"(.)\1+", r"\1", text)
    # Very short keys would join unrelated names (Eyob and Ayub); short names keep their spelling.
    return text if len(text) >= 3 else folded.replace(" ", "")
