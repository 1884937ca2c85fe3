"""Reads the demo content in wiki/demo/content/ (TOML front matter + Markdown)."""

import tomllib
from pathlib import Path

CONTENT = Path(__file__).parent / "content"


def read_article(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("+++\n", 2)
    data = tomllib.loads(front)
    data["body"] = body.strip() + "\n"
    return data


def articles() -> list[dict]:
    """Terms first, then genre explainers (which contrast with terms)."""
    items = [read_article(p) for p in sorted((CONTENT / "articles").glob("*.md"))]
    return sorted(items, key=lambda a: (a["kind"] != "term", a["title"]))


def tags() -> list[dict]:
    return tomllib.loads((CONTENT / "tags.toml").read_text(encoding="utf-8"))["tag"]


def talk() -> dict:
    """Talk threads (each with its posts) and the demo users' watchlists."""
    return tomllib.loads((CONTENT / "talk.toml").read_text(encoding="utf-8"))


def history() -> dict:
    return tomllib.loads((CONTENT / "history.toml").read_text(encoding="utf-8"))
