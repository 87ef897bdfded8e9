"""TCP relays for fault tests, in front of a service the test may not stop itself.

- `Relay`, in the test's own process: `refuse()` stops listening and cuts every connection (a
  database restarting), `accept()` listens again on the same port.
- `python tests/e2e/relay.py TARGET_PORT`, a process of its own: prints the port it listens on,
  then forwards every connection to 127.0.0.1:TARGET_PORT. Stopped with SIGSTOP it freezes as a
  hung proxy or host does: connections are still accepted by the kernel and data acknowledged,
  but nothing comes back."""

import socket
import sys
import threading


class Relay:
    """Forwards 127.0.0.1:<port> to PostgreSQL; `refuse()` stops listening and cuts every
    connection, `accept()` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.listener = None
        self.links: list[socket.socket] = []

    def accept(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        threading.Thread(target=self._serve, args=(self.listener,), daemon=True).start()

    def refuse(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        for link in self.links:
            try:
                link.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            link.close()
        self.links = []

    def _serve(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=pipe, args=(a, b), daemon=True).start()


def pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy one direction until either end goes; then both ends are shut and closed."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()


def main() -> None:
    target = ("127.0.0.1", int(sys.argv[1]))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection(target)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()
