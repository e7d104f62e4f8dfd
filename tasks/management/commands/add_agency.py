from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.models import AgencyKind
from tasks.services import agency_create


class Command(BaseCommand):
    help = ("Add an agency. A department or a district- or commune-level People's Committee is given every task the "
            "plan assigns to all departments and local People's Committees, as the admin does.")

    def add_arguments(self, parser):
        parser.add_argument("code", help="short code, e.g. SDL")
        parser.add_argument("name", help="Vietnamese name, e.g. 'Sở Du lịch'")
        parser.add_argument("--kind", required=True, choices=AgencyKind.values)
        parser.add_argument("--name-en", default="", help="English name")
        parser.add_argument("--emails", default="", help="contact e-mails for reminders, separated by commas")

    def handle(self, *args, code, name, kind, name_en, emails, **options):
        try:
            agency, added = agency_create(code=code, name=name, kind=kind, name_en=name_en,
                                          contact_emails="\n".join(e.strip() for e in emails.split(",") if e.strip()))
        except ValidationError as error:
            raise CommandError("; ".join(f"{field}: {' '.join(messages)}"
                                         for field, messages in error.message_dict.items())) from None
        self.stdout.write(f"{agency.code} added; {added} tasks given to all departments and local People's Committees "
                          "assigned to it")
