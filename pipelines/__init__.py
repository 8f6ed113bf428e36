"""The secure zone: sources, validation, linkage, journeys, disclosure control, the release."""


def code_version() -> str:
    """The installed version of Pathways, or "unknown" in a checkout that is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pathways")
    except PackageNotFoundError:
        return "unknown"
