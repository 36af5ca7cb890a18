"""``hotline serve``: migrate if needed and serve the platform with gunicorn.

Gunicorn runs worker processes, two per core, one thread each by default: a thread
that holds a hot lock (the audit chain's head, the SQLite writers' queue) then never
waits for the GIL behind a sibling thread's triage, which measured 115 → 147 intakes/s
on PostgreSQL and 185 → 199 on SQLite (bench/intake.py, 2 cores). SQLite in WAL mode
lets the processes read concurrently while writes queue on its lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "启动平台 Web 服务(默认 127.0.0.1:8000)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOTLINE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("HOTLINE_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("HOTLINE_WORKERS", str(2 * (os.cpu_count() or 1)))),
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("HOTLINE_THREADS", "1")))
        parser.add_argument("--no-migrate", action="store_true", help="启动前不执行数据库迁移")
        parser.add_argument(
            "--no-worker", action="store_true", help="不在本进程旁运行时限巡检(另行运行 hotline worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", verbosity=0, interactive=False)
        from gunicorn.app.base import BaseApplication

        from hotline.wsgi import application

        bind = f"{options['host']}:{options['port']}"

        class HotlineServer(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                self.cfg.set("bind", bind)
                self.cfg.set("workers", options["workers"])
                self.cfg.set("threads", options["threads"])
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("timeout", 60)
                self.cfg.set("accesslog", os.environ.get("HOTLINE_ACCESS_LOG") or None)

            def load(self) -> Any:
                return application

        # The embedded default runs the deadline sweep beside the web server; on PostgreSQL
        # more `hotline worker` processes may run elsewhere and share the work.
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "hotline", "worker"])  # noqa: S603
        self.stdout.write(f"12345 热线平台已启动:http://{bind}/  (接口文档 http://{bind}/api/docs)")
        try:
            HotlineServer().run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
