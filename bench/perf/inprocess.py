"""In-process measurements, run by bench/run.py as a subprocess with the run's environment
(production settings, the bench database, the bench Redis database):

    python bench/perf/inprocess.py measure  < spec.json   # queries and CPU per page
    python bench/perf/inprocess.py memory   < spec.json   # memory by package, like a worker
    python bench/perf/inprocess.py profile  < spec.json   # cProfile of one page, caches off

`spec`: {"pages": {key: path}, "reader": username, "runs": n, "stale": cookie value,
"profile": key}. The answer is one JSON line on stdout after a marker.

Requests go through Django's test client: the whole middleware stack and the view, without
a server. Each page is asked as four readers: anonymous with the page cache on (a second
request: served from the cache), anonymous with an expired session cookie (the page cache
bypassed, shared fragments cached), anonymous with the page cache off (nothing cached:
KOTOBA_PAGE_CACHE=False also turns off fragments), and signed in (fragments cached) — and
signed in with the cache off. CPU: `time.process_time` of this process per request, median
of `runs` after two warm-up requests: anonymous with the caches off, with the page cache
bypassed (fragments warm: a page cache miss in steady state), signed in. PostgreSQL's own
work is not in it (the wall time, next to it, includes it).
"""

import io
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(ROOT)  # the project, not this folder
MARK = "KOTOBA-BENCH-JSON "


def _answer(data) -> None:
    print(MARK + json.dumps(data), flush=True)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _clients(spec):
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    anonymous, bypass, signed = Client(), Client(), Client()
    user = get_user_model().objects.get(username=spec["reader"])
    signed.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def fresh(client, cookie=None):
        """Anonymous readers: no cookie but `cookie` (as the session), every time."""

        def get(path):
            client.cookies.clear()
            if cookie:
                client.cookies[settings.SESSION_COOKIE_NAME] = cookie
            return client.get(path)

        return get

    return {
        "anonymous": fresh(anonymous),
        "bypass": fresh(bypass, spec["stale"]),
        "signed-in": signed.get,  # keeps its cookies (session, CSRF) as a browser does
    }


def measure(spec) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    clients = _clients(spec)
    runs = spec["runs"]
    modes = {  # column: (reader, page cache on)
        "cached": ("anonymous", True),
        "bypass": ("bypass", True),
        "off": ("anonymous", False),
        "signed-in": ("signed-in", True),
        "signed-in off": ("signed-in", False),
    }
    rows = {}
    for key, path in spec["pages"].items():
        row = {"path": path, "queries": {}, "status": {}}
        for column, (reader, cache) in modes.items():
            get = clients[reader]
            with override_settings(KOTOBA_PAGE_CACHE=cache):
                get(path)  # fills the page cache or the fragments
                with CaptureQueriesContext(connection) as ctx:
                    response = get(path)
            row["queries"][column] = len(ctx.captured_queries)
            row["status"][column] = response.status_code
            if column == "cached":
                row["bytes"] = len(response.content)
        for name, reader, cache in (
            ("cpu", "anonymous", False),
            ("cpu bypass", "bypass", True),
            ("cpu signed-in", "signed-in", True),
        ):
            get = clients[reader]
            cpu, wall = [], []
            with override_settings(KOTOBA_PAGE_CACHE=cache):
                for _ in range(2):
                    get(path)
                for _ in range(runs):
                    started_cpu, started = time.process_time(), time.perf_counter()
                    get(path)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    wall.append((time.perf_counter() - started) * 1000)
            row[name] = statistics.median(cpu)
            row[name.replace("cpu", "wall")] = statistics.median(wall)
        rows[key] = row
    return rows


def profile(spec) -> dict:
    """cProfile of `runs` requests for one page: anonymous with the caches off, and signed in
    with them on (what a signed-in reader costs once the fragments are warm)."""
    import cProfile
    import io
    import pstats

    from django.test.utils import override_settings

    clients = _clients(spec)
    path = spec["pages"][spec["profile"]]
    out = io.StringIO()
    for reader, cache in (("anonymous", False), ("signed-in", True)):
        get = clients[reader]
        with override_settings(KOTOBA_PAGE_CACHE=cache):
            get(path)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(spec["runs"]):
                get(path)
            profiler.disable()
        caches = "on" if cache else "off"
        out.write(f"=== {reader}, caches {caches}: {spec['runs']} requests ===\n")
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(25)
        out.write("--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(15)
    return {"path": path, "runs": spec["runs"], "text": out.getvalue()}


# --- memory ---------------------------------------------------------------------------------


def _package(name: str) -> str:
    """django.contrib.admin.sites -> django.contrib.admin; django.db.models -> django.db;
    wiki.views.history -> wiki."""
    parts = name.split(".")
    if parts[0] == "django":
        return ".".join(parts[:3] if len(parts) > 2 and parts[1] == "contrib" else parts[:2])
    return parts[0]


def _file_package(filename: str) -> str:
    if "site-packages/" in filename:
        rest = filename.split("site-packages/", 1)[1]
        return _package(rest.removesuffix(".py").replace("/", "."))
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1 :].split("/", 1)[0]
    if filename.startswith("<"):
        return filename
    return "stdlib:" + Path(filename).stem


def _track_imports(tracemalloc):
    """Count the memory each module's import keeps (its code, its module-level objects),
    without what it imports in turn: a finder that wraps each file loader's exec_module."""
    from importlib.machinery import ExtensionFileLoader, SourceFileLoader, SourcelessFileLoader

    kept = defaultdict(int)
    nested = []

    def wrap(name, method):
        def run(*args):
            before = tracemalloc.get_traced_memory()[0]
            nested.append(0)
            try:
                return method(*args)
            finally:
                inner = nested.pop()
                total = tracemalloc.get_traced_memory()[0] - before
                kept[_package(name)] += total - inner
                if nested:
                    nested[-1] += total

        return run

    class Finder:
        @classmethod
        def find_spec(cls, name, path, target=None):
            for finder in sys.meta_path:
                if finder is cls or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
            else:
                return None
            loader = spec.loader
            if isinstance(loader, SourceFileLoader | SourcelessFileLoader | ExtensionFileLoader):
                loader.exec_module = wrap(name, loader.exec_module)
                if isinstance(loader, ExtensionFileLoader):
                    loader.create_module = wrap(name, loader.create_module)
            return spec

    sys.meta_path.insert(0, Finder)
    return kept


def _status() -> dict:
    text = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "RssAnon", "RssFile")}


def _wsgi_get(application, path: str, cookie: str = "") -> str:
    """One GET straight through the WSGI application, as gunicorn calls it: the status."""
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    status = []
    result = application(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        b"".join(result)
    finally:
        result.close()
    return status[0]


def memory(spec) -> dict:
    """What a worker holds after loading the app and serving each page once, anonymous and
    signed in: memory kept by each package's imports (tracemalloc), then what serving the
    pages added, by the package of the allocating file. Requests go straight through the
    WSGI application (the test client would import django.test and unittest)."""
    import tracemalloc

    tracemalloc.start()
    kept = _track_imports(tracemalloc)
    _setup()
    from django.urls import get_resolver

    from config.wsgi import application

    get_resolver().url_patterns  # noqa: B018 (imports every view module, as the first request)
    loaded = tracemalloc.take_snapshot()
    loaded_bytes = tracemalloc.get_traced_memory()[0]
    statuses = set()
    for path in spec["pages"].values():
        statuses.add(_wsgi_get(application, path))
        statuses.add(_wsgi_get(application, path, spec["signed_cookie"]))
    served = tracemalloc.take_snapshot()
    served_bytes = tracemalloc.get_traced_memory()[0]
    by_file = defaultdict(int)
    for stat in served.compare_to(loaded, "filename"):
        by_file[_file_package(stat.traceback[0].filename)] += stat.size_diff
    return {
        "imports": sorted(kept.items(), key=lambda item: -item[1]),
        "import_bytes": sum(kept.values()),
        "loaded_bytes": loaded_bytes,
        "served_bytes": served_bytes,
        "served_by_file": sorted(by_file.items(), key=lambda item: -item[1])[:12],
        "statuses": sorted(statuses),
        "modules": len(sys.modules),
        "status": _status(),  # with tracemalloc's own bookkeeping: larger than a worker
    }


def main() -> None:
    mode = sys.argv[1]
    spec = json.load(sys.stdin)
    if mode == "memory":
        _answer(memory(spec))
        return
    _setup()
    _answer(measure(spec) if mode == "measure" else profile(spec))


if __name__ == "__main__":
    main()
