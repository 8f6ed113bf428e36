from contract.reference import borough_codes, borough_name, nationality_group, pilot_codes


def test_thirty_three_boroughs_with_four_pilots():
    assert len(borough_codes()) == 33
    assert borough_codes()[0] == "E09000001" and borough_codes()[-1] == "E09000033"
    assert {borough_name(c) for c in pilot_codes()} == {
        "Camden",
        "Lambeth",
        "Hillingdon",
        "Westminster",
    }


def test_nationality_groups_are_broad():
    assert [nationality_group(c) for c in ("GBR", "POL", "ERI", "unknown", None)] == [
        "uk",
        "eu_eea",
        "rest_of_world",
        "unknown",
        "unknown",
    ]
