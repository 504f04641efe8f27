"""A local SMTP sink for the sweep benchmarks: accepts every message and keeps a count.

Run as its own process (``python -m bench.smtp_sink``) so that receiving does not
compete with the sender for one interpreter. It prints ``port <n>`` on stdout once
listening. ``RCPT TO:<count@sink.invalid>`` followed by ``RSET`` is answered with the
number of messages accepted so far (``250 count=<n>``), which lets the benchmark check
that every message arrived exactly once.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
from types import TracebackType

COUNT_ADDRESS = "count@sink.invalid"


class _Handler:
    def __init__(self) -> None:
        self.accepted = 0
        self.message_ids: set[bytes] = set()
        self.duplicates = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == COUNT_ADDRESS:
            return f"250 count={self.accepted} duplicates={self.duplicates}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        content: bytes = envelope.original_content or envelope.content or b""
        head = content.split(b"\r\n\r\n", 1)[0]
        for line in head.split(b"\r\n"):
            if line[:11].lower() == b"message-id:":
                message_id = line[11:].strip()
                if message_id in self.message_ids:
                    self.duplicates += 1
                self.message_ids.add(message_id)
                break
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    port = _free_port()
    controller = Controller(
        _Handler(), hostname="127.0.0.1", port=port, server_hostname="sink.invalid"
    )
    controller.start()
    print(f"port {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


class SmtpSink:
    """``with SmtpSink() as sink:`` a sink process on 127.0.0.1:``sink.port``."""

    def __init__(self) -> None:
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> SmtpSink:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith("port "):
            self._process.kill()
            raise RuntimeError("The SMTP sink did not start.")
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def counts(self) -> tuple[int, int]:
        """(messages accepted, of which repeated a Message-ID) so far."""
        import smtplib

        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as smtp:
            smtp.ehlo()
            smtp.mail("bench@sink.invalid")
            _code, reply = smtp.rcpt(COUNT_ADDRESS)
            smtp.rset()
        fields = dict(part.split("=") for part in reply.decode().split())
        return int(fields["count"]), int(fields["duplicates"])


if __name__ == "__main__":
    main()
