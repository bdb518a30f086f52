from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ... import registry, tabular


class Command(BaseCommand):
    help = (
        "人口(住民基本台帳人口など)をCSVまたはExcelから読み込みます。"
        "列: 団体コード、人口、基準日(団体名は任意)。すべての行が正しい場合だけ保存します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.exists():
            raise CommandError(f"ファイル {path} が見つかりません。パスを確認してください。")
        try:
            rows = registry.read_population(path.read_bytes(), path.name)
        except (tabular.TableImportError, tabular.TableFileError) as exc:
            raise CommandError(tabular.describe_failure(exc)) from exc
        report = registry.import_population(rows)
        self.stdout.write(f"人口を読み込みました: {report}")
