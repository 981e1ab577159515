"""A loopback TCP proxy for fault tests: forwards to a server until told to freeze a direction."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from typing import Dict, Iterator, List, Tuple
from urllib.parse import urlsplit, urlunsplit


class FreezingProxy:
    """Listens on 127.0.0.1 and relays each connection to `target`, in a thread of its own.

        freeze(): nothing more is relayed in either direction, and new connections are accepted
        but never relayed (a network that stopped answering: no reset, no error, only silence).
        freeze_replies(): what the server sends is held back; the client's bytes still reach the
        server (a reply lost on its way back: the server did the work, the client never hears).
    cut_after_next_request(): the next request goes through, then the connection is closed.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._to_server = threading.Event()  # set: client -> server is frozen
        self._to_client = threading.Event()  # set: server -> client is frozen
        self._stop = threading.Event()
        self._cut = threading.Event()  # set: the next bytes from a client are relayed, then all is closed
        self._sockets: List[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="test-proxy", daemon=True)
        self._thread.start()

    @classmethod
    @contextlib.contextmanager
    def to(cls, dsn: str) -> Iterator[Tuple[FreezingProxy, str]]:
        """A proxy in front of the DSN's server, and the DSN that goes through it."""
        parts = urlsplit(dsn)
        proxy = cls(parts.hostname or "127.0.0.1", parts.port or 5432)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = (userinfo + "@" if userinfo else "") + f"127.0.0.1:{proxy.port}"
        try:
            yield proxy, urlunsplit(parts._replace(netloc=netloc))
        finally:
            proxy.close()

    def freeze(self) -> None:
        """Stop relaying in both directions (and relay nothing of new connections)."""
        self._to_server.set()
        self._to_client.set()

    def freeze_replies(self) -> None:
        """Stop relaying what the server sends; the client's bytes still go through."""
        self._to_client.set()

    def cut_after_next_request(self) -> None:
        """Relay what a client sends next, then close both sides (a connection dying in flight)."""
        self._cut.set()

    def close(self) -> None:
        """Stop the proxy and close every socket it holds."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(): new connections are refused
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._stop.is_set():
                client.close()
                return
            self._sockets.append(client)
            if self._to_server.is_set():
                continue  # accepted, never answered
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            self._sockets.append(server)
            threading.Thread(target=self._relay, args=(client, server), name="test-proxy-relay", daemon=True).start()

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        routes = {client: (server, self._to_server), server: (client, self._to_client)}
        with contextlib.suppress(OSError, ValueError):
            while not self._stop.is_set() and self._pump(routes, client):
                pass
        self._close(client, server)

    def _pump(self, routes: Dict[socket.socket, Tuple[socket.socket, threading.Event]], client: socket.socket) -> bool:
        """Relay what is ready once; False when the connection is over."""
        # A frozen direction is not read: its bytes stay in the kernel's buffers.
        readers = [s for s, (_, frozen) in routes.items() if not frozen.is_set()]
        ready, _, _ = select.select(readers, [], [], 0.05)
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return False
            routes[sock][0].sendall(data)
            if sock is client and self._cut.is_set():
                self._cut.clear()
                time.sleep(0.2)  # the server reads the request before it sees the end
                return False
        return True

    @staticmethod
    def _close(*socks: socket.socket) -> None:
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.close()
