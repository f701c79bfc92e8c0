"""Create the first administrator if there is none, printing its generated password once."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an 'admin' superuser with a random password unless one exists."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@voyages-apprenants.example")

    def handle(self, *args: Any, username: str, email: str, **options: Any) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            self.stdout.write(
                f"Administrator '{username}' already exists; its password was printed when it "
                "was created (change it with: manage.py changepassword admin)."
            )
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrator created: user '{username}', password '{password}' "
                "(shown only this once)."
            )
        )
