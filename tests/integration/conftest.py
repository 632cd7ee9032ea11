"""Real infrastructure for the pipeline tests: a private Redis and real Celery worker processes.

Nothing here is a mock. Each test gets its own ``redis-server`` on a free port (so the shared Redis on 6379,
used by other tests and the dev server, is never touched, and the broker can be stopped and restarted at will),
the in-process Celery app is pointed at it, and workers are started as ``celery -A config worker`` subprocesses
against pytest's own test database (``transactional_db``: the worker must see committed rows).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.conftest import reset_publisher_pools

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")
# Test deadlines, not performance assertions: generous so a loaded CI machine does not flake.
STARTUP_DEADLINE = 60
JOB_DEADLINE = 45


def wait_for(predicate, *, timeout: float = JOB_DEADLINE, interval: float = 0.1, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def _free_port() -> int:
    # Separate ranges per pytest-xdist worker; the server's own process id is still checked after it starts.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    start = 6390 + 20 * int(worker[2:] or 0)
    for port in range(start, start + 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for a private redis-server")


class RedisServer:
    """A private, non-persistent redis-server subprocess that a test may stop, pause and restart."""

    def __init__(self, log_dir: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / f"redis-{self.port}.log"
        self.process = None

    def start(self):
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(self.answers, timeout=STARTUP_DEADLINE, interval=0.05, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        """True once *our* server answers on the port (not some other process that took it first)."""
        if self.process.poll() is not None:
            pytest.fail(f"redis-server exited: {self.log.read_text()[-1000:]}")
        try:
            with redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5) as client:
                info = client.info("server")
        except redis.RedisError:
            return False
        return info["process_id"] == self.process.pid

    def stop(self):
        """Shut the broker down (its queues are lost: it keeps nothing on disk, like a crashed broker)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case it was paused
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self):
        """Freeze the broker: it still accepts TCP connections but never answers (a hung or half-open broker)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def command(self, *args: str) -> str:
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server, monkeypatch):
    """Point this process's Celery app (what ``on_commit(... .delay)`` publishes through) at the private Redis."""
    # Celery reads CELERY_BROKER_URL from the environment before its configuration; set both.
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = redis_server.url
    reset_publisher_pools(celery_app)
    yield redis_server
    celery_app.conf.broker_url = previous
    reset_publisher_pools(celery_app)


def _database_url() -> str:
    """pytest's test database as a DATABASE_URL, for the worker subprocesses."""
    db = connection.settings_dict
    credentials = ""
    if db.get("USER"):
        credentials = quote(db["USER"], safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        credentials += "@"
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgis://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """One ``celery worker`` subprocess (its own process group, so the pool children die with it)."""

    def __init__(self, name: str, log: Path, process: subprocess.Popen):
        self.name, self.log, self.process = name, log, process

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pool_children(self) -> list[int]:
        """PIDs of the prefork pool's child processes (where jobs run)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def wait_ready(self):
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"worker {self.name} exited with {self.process.returncode}:\n{self.output()[-3000:]}")
            return " ready." in self.output()

        wait_for(ready, timeout=STARTUP_DEADLINE, interval=0.1, what=f"worker {self.name} to start")

    def kill(self):
        """SIGKILL the whole worker, children included: no graceful shutdown, no message given back."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def start_worker(transactional_db, broker, tmp_path):
    """``start_worker(name, concurrency=1, wait=True, **env)`` → a (ready) Worker; all are SIGKILLed at teardown.

    Extra keyword arguments become environment variables of the worker (e.g. ``GEOCODE_TEST_DELAY="30"``,
    ``CELERY_VISIBILITY_TIMEOUT="1"``, ``PENDING_WORK_DEADLINE_SECONDS="0"``).
    """
    workers = []

    def _start(name: str = "w1", *, concurrency: int = 1, wait: bool = True, **env) -> Worker:
        log = tmp_path / f"worker-{name}.log"
        environment = {
            "DJANGO_DEBUG": "1",
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker.url,
            "PYTHONPATH": str(BASE_DIR),
            "PYTHONUNBUFFERED": "1",
            **{key: str(value) for key, value in env.items()},
        }
        with log.open("a") as out:  # the child keeps its own copy of the file descriptor
            process = subprocess.Popen(
                [str(CELERY), "-A", "config", "worker", "-Q", "default,geo,reports", "--pool", "prefork",
                 "--concurrency", str(concurrency), "--loglevel", "INFO", "--hostname", f"{name}@%h",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=BASE_DIR, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        worker = Worker(name, log, process)
        workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    yield _start
    for worker in workers:
        worker.kill()
