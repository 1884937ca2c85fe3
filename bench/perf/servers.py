"""The app and the ceiling under gunicorn, as `make serve` runs the app (collectstatic done
once before), each in its own process group, and what their workers hold in memory."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def collectstatic(env: dict) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


class Gunicorn:
    """`gunicorn config.wsgi` with `workers` sync workers on a free port; `settings` names the
    settings module (the ceiling's). Output (errors only: no access log) goes to `log_path`."""

    def __init__(self, name: str, env: dict, log_path: Path, *, workers: int, settings=None):
        self.name = name
        self.env = dict(env, PYTHONUNBUFFERED="1")
        if settings:
            self.env["DJANGO_SETTINGS_MODULE"] = settings
        self.log_path = log_path
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> None:
        command = [
            GUNICORN,
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "60",
            # gunicorn 27 opens ~/.gunicorn/gunicorn.ctl by default: one path for every server
            # this user runs (make serve, make load, the tests), which the next one takes over.
            "--no-control-socket",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self, path: str, limit: float = 120.0) -> None:
        """Until every worker has answered (gunicorn spreads the first requests), or raise."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        end = time.monotonic() + limit
        answered = 0
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}"
                )
            try:
                with opener.open(self.base + path, timeout=10) as response:
                    if response.status == 200:
                        answered += 1
                        if answered >= 2 * self.workers and len(self.worker_pids()) == self.workers:
                            return
                        continue
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer within {limit:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def memory(self) -> list[dict]:
        """VmRSS, RssAnon and RssFile (KiB) of each worker."""
        found = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            found.append(
                {
                    "pid": pid,
                    **{
                        name: int(fields[name].split()[0])
                        for name in ("VmRSS", "RssAnon", "RssFile")
                        if name in fields
                    },
                }
            )
        return found

    def stop(self) -> None:
        """SIGTERM to the group this object started, SIGKILL for what is left after 30 s."""
        if self.proc is None:
            return
        for sig, grace in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            end = time.monotonic() + grace
            while time.monotonic() < end and self.proc.poll() is None:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                break
        self.proc.wait()
