"""A lean SMTP sink for the sending benchmarks: run as ``python -m benchmarks.smtp_sink PORT DUMP``.

It speaks just enough SMTP (RFC 5321 with PIPELINING) for a client to deliver to it, keeps each
message's Message-ID, writes them to DUMP when sent SIGUSR1 or SIGTERM, and prints "ready" once
it listens. On a two-core machine the sink shares the processors with the workers it measures;
aiosmtpd spends about half a millisecond of processor per message parsing every command with
its full state machine, which is the benchmark's cost, not Accord's. This one reads the stream
in bulk and answers the commands in a few string operations.
"""

from __future__ import annotations

import asyncio
import signal
import sys

ids: list[bytes] = []


class Session(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""
        self.in_data = False
        self.message: list[bytes] = []
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies: list[bytes] = []
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    # Keep what may be the start of the terminator; the rest is the message.
                    keep = max(0, len(self.buffer) - 4)
                    self.message.append(self.buffer[:keep])
                    self.buffer = self.buffer[keep:]
                    break
                self.message.append(self.buffer[: end + 2])
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                self._keep(b"".join(self.message))
                self.message = []
                replies.append(b"250 OK\r\n")
                continue
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                break
            line = self.buffer[:line_end]
            self.buffer = self.buffer[line_end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 33554432\r\n")
            elif verb == b"DATA":
                self.in_data = True
                replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                replies.append(b"221 Bye\r\n")
                self.transport.write(b"".join(replies))
                self.transport.close()
                return
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                replies.append(b"250 OK\r\n")
            else:
                replies.append(b"502 Command not implemented\r\n")
        if replies:
            self.transport.write(b"".join(replies))

    @staticmethod
    def _keep(message: bytes) -> None:
        at = message.find(b"\r\nMessage-ID: ")
        if at < 0 and message.startswith(b"Message-ID: "):
            at = -2
        if at == -1:
            return
        end = message.find(b"\r\n", at + 14)
        ids.append(message[at + 14 : end])


def main() -> None:
    port, out = int(sys.argv[1]), sys.argv[2]

    def dump() -> None:
        with open(out, "wb") as f:
            f.write(b"\n".join(ids))

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Session, "127.0.0.1", port, backlog=512)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGUSR1, dump)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        async with server:
            await stop.wait()
        dump()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
