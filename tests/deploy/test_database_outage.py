"""A PostgreSQL outage under the running server (``archive serve``, as the image runs it).

The server reaches PostgreSQL through a TCP relay the test owns; cutting the relay (and every
connection through it) is the outage. A login then answers the 503 page, not a 500 with a
traceback, and once the relay is back the same login works with nothing restarted.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.conftest import temporary_postgres_database
from tests.deploy.conftest import HOST, entrypoint, production_env

SAYS = "Archive cannot reach its database; try again in a minute"


class Relay:
    """Accepts on a port of its own and pipes each connection to the real server."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The database is gone: no new connections, and the open ones are dropped."""
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
        self.listener.close()
        for s in self.open:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def _login(url: str, port: int) -> httpx.Response:
    return httpx.post(
        f"{url}/auth/login",
        data={"email": "nobody@brand.example", "password": "not-the-password"},
        headers={
            "host": f"{HOST}:{port}",
            "origin": f"http://{HOST}:{port}",
            "accept": "text/html",
        },
        timeout=60,
    )


def test_a_login_during_a_postgresql_outage_answers_503_then_works_once_it_is_back(
    built_frontend, tmp_path, ports
):
    port, smtp = ports
    with temporary_postgres_database() as real_url:
        real = urlsplit(real_url)
        relay = Relay((real.hostname or "127.0.0.1", real.port or 5432))
        relayed = urlunsplit(real._replace(netloc=f"{real.username}@127.0.0.1:{relay.port}"))
        env = production_env(tmp_path / "data", port, smtp, ARCHIVE_DATABASE_URL=relayed)
        with entrypoint(env, tmp_path / "app.log") as started:
            before = _login(started.url, port)
            assert before.status_code == 303  # refused credentials: a redirect, no outage

            relay.cut()
            during = _login(started.url, port)
            assert during.status_code == 503, during.text[:2000]
            assert SAYS in during.text
            assert "Traceback" not in during.text and "Internal Server Error" not in during.text
            assert httpx.get(f"{started.url}/_health", timeout=30).status_code == 503

            relay = Relay(relay.target, port=relay.port)  # the database is back
            after = _login(started.url, port)
            assert after.status_code == 303, after.text[:2000]
            assert "database unreachable: POST /auth/login answered 503" in started.log()
        relay.cut()
