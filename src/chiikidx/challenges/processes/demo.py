"""Demo content of this part (built by `chiikidx bootstrap --demo`, idempotent)."""


def extend(spec, orgs: dict) -> None:
    """Adds this part's demo content to the demo prefecture's organizations."""
