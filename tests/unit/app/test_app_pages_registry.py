"""Who may open which page: the page registry is the access rule, so it is pinned here in full.
A page given to one more role (the taskforce overview account reading borough snapshots, say)
fails this test rather than passing silently through the registry."""

from app.pages import PAGES_BY_ROLE, PUBLIC_PAGE


def test_each_role_opens_exactly_its_pages_in_order():
    analyst = ("overview", "map", "snapshot", "outcomes", "pathways", "returns", "compare", "about")
    assert {
        "london": analyst,
        "borough": analyst,
        "overview": ("overview", "about"),
        "admin": ("audit", "register", "about"),
    } == PAGES_BY_ROLE


def test_the_public_page_belongs_to_no_signed_in_role():
    assert PUBLIC_PAGE.roles == ()
    assert all(PUBLIC_PAGE.key not in pages for pages in PAGES_BY_ROLE.values())
