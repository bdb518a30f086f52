"""API of the challenges app under /api/v1/: challenges here; dialogue records, processes and
common-issue groups from their modules. `register` adds them all to the project's router."""


def register(router) -> None:
    from . import challenge_api
    from .common import api as common_api
    from .dialogue import api as dialogue_api
    from .processes import api as process_api

    router.register("challenges", challenge_api.ChallengeViewSet, basename="challenge")
    for module in (dialogue_api, process_api, common_api):
        module.register(router)
