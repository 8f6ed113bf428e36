from datetime import date

from pipelines.commands.demo import demo_period


def test_the_demo_covers_six_years_up_to_the_last_complete_month():
    assert demo_period(date(2026, 11, 22)) == ("2020-11", "2026-10")
    assert demo_period(date(2026, 1, 5)) == ("2020-01", "2025-12")
    assert demo_period(date(2026, 12, 31)) == ("2020-12", "2026-11")
