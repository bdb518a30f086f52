def register(router) -> None:
    """Adds this part's viewsets to the project's router."""
