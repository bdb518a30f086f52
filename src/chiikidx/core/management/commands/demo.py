import os

from django.conf import settings
from django.core.management.base import BaseCommand

from ... import demo


class Command(BaseCommand):
    help = (
        "架空のデモ県(みらい県、団体コード99)と市町村・部署・利用者を作成します。"
        "何度実行しても安全です。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-logins", action="store_true", help="デモのログイン一覧を表示します。"
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="デモ利用者のパスワードを CHIIKIDX_DEMO_PASSWORD(既定 chiikidx-demo)に戻します。",
        )

    def handle(self, *args, print_logins: bool, reset_passwords: bool, **options):
        if print_logins:
            self._print_logins()
            return
        orgs = demo.build()
        self.stdout.write(f"デモデータを用意しました({len(orgs)} 団体)。")
        if reset_passwords:
            self.stdout.write(f"パスワードを再設定しました({demo.reset_passwords()} 人)。")

    def _print_logins(self):
        table = demo.login_table()
        width = max(len(username) for username, _, _ in table)
        url = f"http://127.0.0.1:{self._port()}/"
        self.stdout.write("")
        self.stdout.write(f"chiikidx デモ — {url} を開き、次のどれかでログインしてください")
        self.stdout.write(f"パスワード(全員共通): {settings.CHIIKIDX_DEMO_PASSWORD}")
        for username, role, where in table:
            self.stdout.write(f"  {username.ljust(width)}  {role}  {where}")
        self.stdout.write("")

    def _port(self) -> str:
        return os.environ.get("PORT", "8000")
