"""A real PostgreSQL server for tests: the one .ci/run started, or one started here.

`.ci/run` installs Debian's postgresql, starts a throwaway cluster on 127.0.0.1 and exports
CLOUDAI_TEST_DATABASE_URL. Locally, without that variable, a cluster is started in a
temporary folder from the installed server binaries; where there are none, the tests that
need it are skipped with that reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

ENV = "CLOUDAI_TEST_DATABASE_URL"


@dataclass
class Server:
    url: str  # postgresql+psycopg://user@127.0.0.1:port/db
    data_dir: Path | None = None  # set when this module started it
    pg_ctl: str = ""
    as_user: list[str] | None = None
    options: str = ""  # the server's command-line options, to start it again (`resume`)

    def halt(self) -> None:
        """Stop the server as an outage would (connections cut, new ones refused); `resume`
        starts it again with its data. Only for a server this module started."""
        assert self.data_dir is not None, "halt() needs a server started by tests/postgres.py"
        subprocess.run([*(self.as_user or []), self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60, check=True)

    def resume(self) -> None:
        assert self.data_dir is not None, "resume() needs a server started by tests/postgres.py"
        subprocess.run([*(self.as_user or []), self.pg_ctl, "-D", str(self.data_dir), "-o", self.options, "-l",
                        str(self.data_dir.parent / "log"), "-w", "-t", "60", "start"], capture_output=True,
                       timeout=120, check=True)

    def stop(self) -> None:
        if self.data_dir is not None:
            subprocess.run([*(self.as_user or []), self.pg_ctl, "-D", str(self.data_dir), "-m", "immediate",
                            "stop"], capture_output=True, timeout=60)
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def new_database(self) -> str:
        """A fresh, empty database on the server; its SQLAlchemy URL."""
        import psycopg

        name = "cloudai_" + uuid.uuid4().hex[:12]
        plain = self.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + "/" + name


def start() -> tuple[Server | None, str]:
    """The server, or None and why not."""
    url = os.environ.get(ENV)
    if url:
        return Server(url), ""
    return start_own()


def start_own() -> tuple[Server | None, str]:
    """A server of the tests' own, even where CLOUDAI_TEST_DATABASE_URL names a shared one: for
    tests that stop and start it (`Server.halt`, `Server.resume`)."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        return None, f"no PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and {ENV} is not set"
    bindir = Path(binaries[-1]).parent
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="cloudai-pg-"))
    data = root / "data"
    if os.geteuid() == 0:  # initdb refuses to run as root: use Debian's postgres account
        if shutil.which("runuser") is None:
            return None, "running as root without runuser to start PostgreSQL as another user"
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
        root.chmod(0o700)
    from .conftest import free_port

    port = free_port()
    init = subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                           "--no-sync"], capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return None, f"initdb failed: {init.stderr.strip()[-300:]}"
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=50"
    started = subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                              str(root / "log"), "-w", "-t", "60", "start"], capture_output=True, text=True,
                             timeout=120)
    if started.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return None, f"PostgreSQL did not start: {started.stderr.strip()[-300:]}"
    return Server(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data, str(bindir / "pg_ctl"),
                  as_user, options), ""


