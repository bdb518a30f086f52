def extend(spec, orgs: dict) -> None:
    return None
