"""Run `mock-doitong serve` as a real child process and find the URL it prints."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

EXECUTABLE = str(Path(sys.executable).with_name("mock-doitong"))


class ServeProcess:
    """`with ServeProcess("--clock", "virtual") as served: served.url`."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 20) -> None:
        self.args = [EXECUTABLE, "serve", *args]
        self.env = {**os.environ, **(env or {})}
        self.timeout = timeout
        self.output: list[str] = []
        self.url = ""
        self._lines: queue.Queue[str | None] = queue.Queue()

    def __enter__(self) -> ServeProcess:
        self.process = subprocess.Popen(
            self.args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
        )
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        while True:
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                self.__exit__(None, None, None)
                raise TimeoutError("serve printed no URL:\n" + "".join(self.output)) from None
            if line is None:
                raise RuntimeError("serve exited:\n" + "".join(self.output))
            if line.startswith("Ready at "):
                self.url = line.removeprefix("Ready at ").strip()
                return self

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """The next line of output that holds `text` (the lines before it are passed over)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise TimeoutError(f"no line with {text!r}:\n" + self.banner()) from None
            if line is None:
                raise RuntimeError(f"serve exited before a line with {text!r}:\n" + self.banner())
            if text in line:
                return line

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def banner(self) -> str:
        return "".join(self.output)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._pump_thread.join(5)
        assert self.process.stdout is not None
        self.process.stdout.close()
