"""The options that point a command at a remote SPARQL endpoint (query, sparql, push).

Passwords are never taken on the command line (where ``ps`` and shell history
would show them): ``--password-env VAR`` names the environment variable holding it.
"""

from __future__ import annotations

import argparse
import os

from retinoid_ld.commands.common import log
from retinoid_ld.errors import InputError
from retinoid_ld.remote import AUTH_METHODS, DEFAULT_TIMEOUT, RemoteEndpoint


def add_endpoint_options(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    group = parser.add_argument_group("remote SPARQL endpoint")
    group.add_argument(
        "--endpoint",
        metavar="URL",
        required=required,
        help="a SPARQL 1.1 query endpoint to use instead of the embedded store "
        "(e.g. http://127.0.0.1:7878/query, http://127.0.0.1:8890/sparql)",
    )
    group.add_argument(
        "--graph",
        metavar="IRI",
        help="query only this named graph (sent as default-graph-uri)",
    )
    group.add_argument("--user", metavar="U", help="user name for the endpoint")
    group.add_argument(
        "--password-env",
        metavar="VAR",
        help="environment variable holding the password (never given on the command line)",
    )
    group.add_argument(
        "--auth",
        choices=AUTH_METHODS,
        default="digest",
        help="HTTP authentication scheme (default: digest, as Virtuoso needs)",
    )


def endpoint_from_args(args: argparse.Namespace, **extra: object) -> RemoteEndpoint | None:
    """The RemoteEndpoint the options describe, or None when no --endpoint was given."""
    if not getattr(args, "endpoint", None):
        for option in ("graph", "user", "password_env"):
            if getattr(args, option, None):
                flag = "--" + option.replace("_", "-")
                raise InputError(f"{flag} needs --endpoint URL")
        return None
    password = None
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            raise InputError(
                f"--password-env {args.password_env}: that environment variable is not set",
                hint=f"export {args.password_env}=... before running the command",
            )
    if args.user and password is None:
        raise InputError(
            "--user needs --password-env VAR", hint="put the password in an environment variable"
        )
    timeout = getattr(args, "timeout", None) or DEFAULT_TIMEOUT
    return RemoteEndpoint(
        args.endpoint,
        graph=args.graph,
        user=args.user,
        password=password,
        auth=args.auth,
        timeout=timeout,
        on_warning=lambda message: log(f"warning: {message}"),
        **extra,  # type: ignore[arg-type]
    )
