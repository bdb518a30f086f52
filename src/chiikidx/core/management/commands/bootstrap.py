from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "データベースの作成・更新、全国の団体一覧の読み込み、(--demo で)デモデータの用意を"
        "1回で行います。何度実行しても安全です。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="デモ県とデモ利用者も用意します。")

    def handle(self, *args, demo: bool, **options):
        # One process for all steps: each separate command would pay Django's start-up again.
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_registry", stdout=self.stdout)
        if demo:
            call_command("demo", stdout=self.stdout)
            call_command("demo", print_logins=True, stdout=self.stdout)
