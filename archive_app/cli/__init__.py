"""``archive`` (the same as ``python -m archive_app``): run an instance without the UI.

    archive create-user --email you@brand.com --workspace "Brand"   # asks for the password
    archive reset-password --email you@brand.com                    # ends their sessions
    archive run-job drain_outbox                                    # any row of jobs/tasks.JOBS
    archive check-config                                            # what production refuses
    archive send-test-mail --to you@brand.com                       # SMTP settings, end to end
    archive media-usage                                             # media store per workspace
    archive delete-workspace --id 3 --name "Brand"                  # and all of its media
    archive serve                                                   # the container's server

Settings come from the same ``ARCHIVE_*`` environment (and ``.env``) as the app. Passwords are
never taken as arguments (they would show in ``ps`` and the shell history): they are asked for,
or read from standard input with ``--password-stdin``. Exit codes: 0 done, 1 refused or
failed (the reason is printed), 2 a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from archive_app.cli import commands, media, serve
from archive_app.jobs.runs import job_names
from archive_app.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archive", description="Administer an Archive instance (settings: ARCHIVE_*)."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    create = sub.add_parser("create-user", help="create a person who owns a new workspace")
    create.add_argument("--email", required=True)
    create.add_argument("--workspace", required=True, help="the new workspace's name")
    create.add_argument("--password-stdin", action="store_true", help="read the password")

    reset = sub.add_parser("reset-password", help="set a new password; ends their sessions")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password-stdin", action="store_true", help="read the password")

    job = sub.add_parser("run-job", help="run one background job now and print its result")
    job.add_argument("name", help="one of: " + ", ".join(job_names()))

    check = sub.add_parser("check-config", help="print what production mode would refuse")
    check.add_argument(
        "--as-configured",
        action="store_true",
        help="check the settings in their own ARCHIVE_MODE instead (the entrypoint does)",
    )

    mail = sub.add_parser("send-test-mail", help="send one mail with the SMTP settings")
    mail.add_argument("--to", required=True, help="the address to send it to")

    sub.add_parser("serve", help="serve the built frontend and the app (the entrypoint's)")

    sub.add_parser("media-usage", help="what the media store holds per workspace")
    delete = sub.add_parser("delete-workspace", help="delete a workspace and all its media")
    delete.add_argument("--id", type=int, required=True, help="the workspace's number")
    delete.add_argument("--name", required=True, help="its name, exactly (a safety check)")
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    args = _parser().parse_args(argv)
    io = commands.Console(stdin=stdin or sys.stdin, out=out or sys.stdout)
    if args.command == "check-config":
        return commands.check_config(io, as_configured=args.as_configured)
    try:
        the_settings = settings if settings is not None else Settings()
    except ValueError as exc:
        io.say(f"archive: the settings are refused:\n{commands.reasons(exc)}")
        return 1
    commands.configure_logging(the_settings)
    match args.command:
        case "create-user":
            return commands.create_user(
                io,
                the_settings,
                email=args.email,
                workspace=args.workspace,
                from_stdin=args.password_stdin,
            )
        case "reset-password":
            return commands.reset_password(
                io, the_settings, email=args.email, from_stdin=args.password_stdin
            )
        case "run-job":
            return commands.run_job(io, the_settings, name=args.name)
        case "send-test-mail":
            return commands.send_test_mail(io, the_settings, to=args.to)
        case "media-usage":
            return media.media_usage(io, the_settings)
        case "delete-workspace":
            return media.delete_workspace(io, the_settings, workspace_id=args.id, name=args.name)
        case "serve":
            if warning := serve.mismatch_warning(the_settings.public_url, serve.built_for()):
                io.say(f"archive serve: warning: {warning}")
            serve.serve(the_settings)
            return 0
    return 2  # pragma: no cover - argparse refuses unknown commands first
