from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ... import registry, tabular


class Command(BaseCommand):
    help = "全国の地方公共団体(団体コード一覧)を読み込みます。何度実行しても同じ結果になります。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=registry.REGISTRY_CSV)

    def handle(self, *args, path: Path, **options):
        try:
            report = registry.load_registry(path)
        except (tabular.TableImportError, tabular.TableFileError) as exc:
            raise CommandError(tabular.describe_failure(exc)) from exc
        self.stdout.write(f"団体一覧を読み込みました: {report}")
