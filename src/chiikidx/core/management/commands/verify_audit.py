from django.core.management.base import BaseCommand, CommandError

from ... import audit


class Command(BaseCommand):
    help = "監査ログのハッシュチェーンを先頭から検証し、最初に壊れている箇所を報告します。"

    def handle(self, *args, **options):
        report = audit.verify_chain()
        if not report.intact:
            raise CommandError(
                f"監査ログのチェーンが壊れています: 通番 {report.broken_seq}: {report.reason}"
                f"(それより前の {report.checked} 件は正常です)"
            )
        self.stdout.write(f"監査ログのチェーンは正常です({report.checked} 件を検証)。")
