"""The pages of the benchmark and the wrk runs that measure them.

Every page is fetched by wrk as one kind of reader:
- anonymous: no cookie, so the page cache answers (after the first request of the warm-up);
- bypass: an anonymous reader holding a session cookie that matches no session (an expired
  one): the page cache never serves personal requests, so the view runs every time. Shared
  fragments (an article's text) still come from the cache, and the session look-up is one
  more query than a reader without a cookie;
- signed-in: the bench reader's session (and its CSRF cookie, as a browser would send);
- ceiling: the ceiling server.
"""

import re
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

STALE_SESSION = "bench-expired-session-0000"


@dataclass(frozen=True)
class Page:
    key: str  # what --only names
    label: str
    paths: tuple[str, ...]
    reader: str  # anonymous, bypass, signed-in, ceiling
    connections: int = 16
    goal: str = ""  # cached, signed-in, search, ceiling
    inprocess: str = ""  # the in-process page whose query count applies

    @property
    def shown_path(self) -> str:
        more = f" (+{len(self.paths) - 1} more)" if len(self.paths) > 1 else ""
        return self.paths[0] + more


# Pages measured again with the page cache bypassed.
BYPASSED = ["article", "history", "diff", "home", "tag", "recent"]
BYPASSED += ["history-10", "history-10000", "history-10000-last", "search-common", "search-rare"]


def pages(fx: dict, common: str, rare: str) -> list[Page]:
    """Every page, in the order of a round. `fx`: the fixtures (database.fixtures)."""
    article = f"/wiki/{fx['article']}/"
    a, b = fx["diff"]
    diff = f"{article}diff/{a}/{b}/"
    if a == b:  # one revision per article (a scale run): the 10-revision article's diff
        diff = "/wiki/bench-history-10/diff/1/10/"
    rotation = tuple(f"/wiki/{slug}/" for slug in fx["rotation"])
    short, long = "/wiki/bench-history-10/history/", "/wiki/bench-history-10000/history/"
    # key, label, path, connections, goal of the anonymous reader
    shared = [
        ("article", "article", article, 16, "cached"),
        ("history", "history", f"{article}history/", 16, ""),
        ("diff", "diff", diff, 16, ""),
        ("home", "home", "/", 16, "cached"),
        ("tag", "tag page", f"/tags/{fx['tag']}/", 16, "cached"),
        ("recent", "recent changes", "/recent/", 16, "cached"),
        ("feed", "Atom feed", "/recent/feed/", 16, "cached"),
        ("sitemap", "sitemap index", "/sitemap.xml", 16, "cached"),
        ("sitemap-section", "sitemap section", "/sitemap-articles.xml", 16, "cached"),
        ("history-10", "history, 10 revisions", short, 16, ""),
        ("history-10000", "history, 10,000 revisions", long, 16, ""),
        ("history-10000-last", "history, 10,000 revisions, oldest page", f"{long}?newer=0", 16, ""),
        ("search-common", f"search “{common}”", f"/search/?q={common}&fulltext=1", 4, "search"),
        ("search-rare", f"search “{rare}”", f"/search/?q={rare}&fulltext=1", 4, "search"),
    ]
    found = [
        Page(key, label, (path,), "anonymous", c, goal, key) for key, label, path, c, goal in shared
    ]
    found.insert(
        1,
        Page(
            "articles", f"{len(rotation)} articles, rotating", rotation, "anonymous", goal="cached"
        ),
    )
    for key, label, path, c, goal in shared:
        if key in BYPASSED:
            goal = "search" if goal == "search" else ""
            found.append(Page(f"{key}-bypass", label, (path,), "bypass", c, goal, key))
    found.append(
        Page("article-signed-in", "article", (article,), "signed-in", 16, "signed-in", "article")
    )
    found.append(Page("ceiling", "ceiling: constant 30 KB page", ("/",), "ceiling", goal="ceiling"))
    return found


# Named sets for --only (the ceiling is always measured: every ratio needs it).
SCALE = [
    f"{name}{suffix}"
    for name in BYPASSED
    if name not in ("diff", "home", "history-10", "history-10000", "history-10000-last")
    for suffix in ("", "-bypass")
] + ["history-10-bypass", "history-10000-bypass", "history-10000-last-bypass"]
SCALE.append("article-signed-in")
GROUPS = {"scale": SCALE}


def select(all_pages: list[Page], only: str | None) -> list[Page]:
    if not only:
        return all_pages
    wanted = set()
    for name in only.split(","):
        name = name.strip()
        wanted.update(GROUPS.get(name, [name]))
    known = {page.key for page in all_pages}
    unknown = wanted - known
    if unknown:
        raise ValueError(
            f"unknown page(s) {', '.join(sorted(unknown))}; pages: {', '.join(sorted(known))}; "
            f"sets: {', '.join(GROUPS)}"
        )
    wanted.add("ceiling")
    return [page for page in all_pages if page.key in wanted]


# --- requests -----------------------------------------------------------------------------


@dataclass
class Target:
    """Where and how a page is fetched."""

    base: str
    cookie: str = ""
    script: Path | None = None


@dataclass
class Result:
    rps: float
    p50: float  # ms
    p99: float  # ms
    requests: int
    bad: int  # non-2xx/3xx answers and socket errors
    bytes_per_request: float
    raw: str = field(repr=False, default="")


def lua_rotation(path: Path, paths: tuple[str, ...]) -> Path:
    """A wrk script that sends the paths in turn (each wrk thread from its own start)."""
    listed = ",\n".join(f'  "{p}"' for p in paths)
    path.write_text(
        "local paths = {\n" + listed + "\n}\n"
        "local i = 0\n"
        "setup = function(thread) thread:set('start', math.random(#paths)) end\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local n = ((i + (start or 0)) % #paths) + 1\n"
        "  return wrk.format(nil, paths[n])\n"
        "end\n"
    )
    return path


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse(output: str) -> Result:
    def latency(pct: str) -> float:
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    requests = int(total.group(1)) if total else 0
    read = float(total.group(2)) * _SIZES[total.group(3)] if total else 0.0
    bad = int(non2xx.group(1)) if non2xx else 0
    if sockets:
        bad += sum(int(n) for n in sockets.groups())
    return Result(
        rps=float(rps.group(1)) if rps else 0.0,
        p50=latency("50"),
        p99=latency("99"),
        requests=requests,
        bad=bad,
        bytes_per_request=read / requests if requests else 0.0,
        raw=output,
    )


def run(target: Target, page: Page, seconds: float, threads: int = 2) -> Result:
    command = [
        "wrk",
        f"-t{min(threads, page.connections)}",
        f"-c{page.connections}",
        f"-d{max(1, round(seconds))}s",  # whole seconds only
        "--timeout",
        "10s",
        "--latency",
    ]
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    if target.script:
        command += ["-s", str(target.script)]
    command.append(target.base + page.paths[0])
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)


def fetch(url: str, cookie: str = ""):
    """One GET without following redirects: (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
