"""System checks that catch a deployment mistake before the first request does."""

from django.conf import settings
from django.core.checks import Error, register


@register("chiikidx", deploy=True)
def static_manifest_exists(app_configs, **kwargs):
    if not settings.STATIC_MANIFEST or (settings.STATIC_ROOT / "staticfiles.json").exists():
        return []
    return [
        Error(
            "静的ファイルが用意されていません。",
            hint="`chiikidx collectstatic --noinput` を実行してから起動してください。",
            id="chiikidx.E001",
        )
    ]
