"""A loopback TCP proxy that counts round trips: how often the client speaks after the server answered."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from typing import Dict, List, Optional, Tuple


class RoundTripProxy:
    """Forwards 127.0.0.1:<port> to a server and counts the client's turns to speak.

    A round trip is the client sending after it has received something (or for the first
    time): requests pipelined into one send, or several sends before any answer, count once.
    Runs in one daemon thread; `close()` stops it and closes every socket.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._turns = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="round-trip-proxy", daemon=True)
        self._thread.start()

    @property
    def round_trips(self) -> int:
        """Round trips counted so far, on every connection through the proxy."""
        with self._lock:
            return self._turns

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        # socket -> (its peer, whether it is the client side); client -> whether the server spoke last
        peers: Dict[socket.socket, Tuple[socket.socket, bool]] = {}
        answered: Dict[socket.socket, bool] = {}
        sockets: List[socket.socket] = []
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.05):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is self._listener:
                        client, _ = self._listener.accept()
                        server = socket.create_connection(self._target)
                        for s in (client, server):
                            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                            selector.register(s, selectors.EVENT_READ)
                            sockets.append(s)
                        peers[client], peers[server] = (server, True), (client, False)
                        answered[client] = True
                        continue
                    if sock not in peers:  # closed with its peer earlier in this batch of events
                        continue
                    peer, from_client = peers[sock]
                    data: Optional[bytes]
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = None
                    if not data:
                        for s in (sock, peer):
                            if s in peers:
                                selector.unregister(s)
                                s.close()
                                del peers[s]
                        continue
                    client = sock if from_client else peer
                    with self._lock:
                        if from_client and answered.get(client, False):
                            self._turns += 1
                        answered[client] = not from_client
                    # The peer may have gone away: its own read event then closes both.
                    with contextlib.suppress(OSError):
                        peer.sendall(data)
        finally:
            for s in sockets:
                s.close()
            selector.close()

    def close(self) -> None:
        """Stop forwarding and close every socket."""
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
