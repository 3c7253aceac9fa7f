"""`grader serve OUT`: start the workspace on a batch folder and print the URL that opens it."""
from __future__ import annotations

import getpass
import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any

import click


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@click.command()
@click.argument("out", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine's loopback lets others on the network try.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--who", default="", help="Name recorded in the audit table [default: your user name].")
def serve(out: Path, host: str, port: int, who: str) -> None:
    """Review and hand-grade the batch in OUT (written by `grader batch`) in the browser: the class, each
    student, the written answers by rubric, overrides, release. Ctrl-C stops it; every saved grade stays."""
    from grader.classroom.folder import CLASS_FILE
    from grader.serve.app import create_app
    from grader.serve.gate import Secrets

    if not (out / CLASS_FILE).is_file():
        click.echo(f"error: {out} holds no {CLASS_FILE}: run `grader batch ... --out {out}` first (a batch written "
                   "by an older grader: run it again)", err=True)
        sys.exit(2)
    keys = Secrets()
    try:
        app = create_app(out, who=who or getpass.getuser(), keys=keys)
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    sock, address = listen(host, port, "anyone who can reach it and learns the URL below can change grades; prefer "
                                       "an SSH tunnel to 127.0.0.1")
    click.echo(f"cnn-grader workspace for {out}\nopen: {address}/?token={keys.token}", err=False)
    sys.stdout.flush()
    serve_app(app, sock)


def listen(host: str, port: int, exposure: str) -> tuple[socket.socket, str]:
    """A socket bound to `host`:`port` (0: any free port) and the address it answers at; a warning naming
    `exposure` when the host is not this machine's loopback."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections wait in the backlog until the server runs: the printed address works at once
    if not _loopback(host):
        click.echo(f"warning: listening on {host}, not only this machine: {exposure}", err=True)
    shown = f"[{host}]" if ":" in host else host
    return sock, f"http://{shown}:{sock.getsockname()[1]}"


def serve_app(app: Any, sock: socket.socket, trusted_proxy: str = "") -> None:
    """Serve `app` on `sock` until Ctrl-C (uvicorn); with `trusted_proxy`, the client address and scheme come from
    that proxy's X-Forwarded-For and X-Forwarded-Proto."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", proxy_headers=bool(trusted_proxy),
                            forwarded_allow_ips=trusted_proxy or None)
    uvicorn.Server(config).run(sockets=[sock])
