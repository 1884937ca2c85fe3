"""The Markdown side: markdown-it-py configured for Kotoba, and what one parse yields.

CommonMark (raw HTML off) with tables and footnotes, plus our own pieces: ``[[wikilinks]]``,
heading ids in the style of Python-Markdown's ``slugify_unicode``, h1 demoted to h2, a
"References" section around the footnotes, and FAQ sections. Everything here is linear in
the input (markdown-it's own rules, bounded by ``maxNesting``); ``limits`` keeps the constants
small enough. The HTML made here is not safe yet: ``sanitize.clean`` runs after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlencode

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from wiki import names
from wiki.names import TITLE_MAX

# Blockquotes count one level, each list two (list + item), a footnote one. Block content
# deeper than this would be dropped by markdown-it: ``Document.too_deep`` says so instead.
MAX_NESTING = 20
MAX_TITLE_KEY = TITLE_MAX  # Link.target_key, Article.title_key
MAX_TITLE_TYPED = 2 * MAX_TITLE_KEY  # longer is not a title, whatever cleaning would leave
CREATE_TITLE = "Create this article (it does not exist yet)"
UPLOAD_TITLE = "Upload this file (there is none by this name yet)"
MAX_FILE_NAME = 120  # files.models.NAME_MAX and KEY_MAX

_TOO_DEEP = "kotoba_too_deep"
_WIKILINK_END = re.compile(r"[\[\]\n]")  # one character class: a plain scan, no backtracking
_NOT_SLUG = re.compile(r"[^\w\s-]")
_SLUG_GAPS = re.compile(r"[-\s]+")
_FAQ_HEADING = re.compile(r"(?:frequently asked questions|faq)\s*[:：]?", re.I)
_QUESTION_ENDS = ("?", "？")


def slugify(text: str) -> str:
    """Heading id, as Python-Markdown's ``slugify_unicode(text, "-")`` makes it."""
    return _SLUG_GAPS.sub("-", _NOT_SLUG.sub("", text).strip().lower())


@lru_cache(maxsize=4096)  # a parse asks twice per wikilink; texts repeat their links
def title_key(title: str) -> str:
    return names.name_key(title)  # the models' normalize_title, without needing Django


# --- wikilinks ----------------------------------------------------------------------------


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """``[[Title]]``, ``[[Title|label]]``, ``[[Title#Section]]``, ``[[Title#Section|label]]``.

    Runs after ``escape`` and ``backticks``, so ``\\[[`` and code stay literal. The text
    between the brackets holds no ``[``, ``]`` or newline. A title that is empty, typed
    longer than ``MAX_TITLE_TYPED``, or whose key would not fit in ``Link.target_key``, is
    not a wikilink: it stays as typed.
    """
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    stop = _WIKILINK_END.search(src, pos + 2, state.posMax)
    end = stop.start() if stop else -1
    if end < 0 or not src.startswith("]]", end) or end + 2 > state.posMax:
        return False
    target, _, label = src[pos + 2 : end].partition("|")
    if target[:5].lower() == "file:":
        return _file_embed(state, silent, target[5:].strip(), label, end)
    title, _, section = target.partition("#")
    title = title.strip()
    if not title or len(title) > MAX_TITLE_TYPED:
        return False
    key = title_key(title)
    if not key or len(key) > MAX_TITLE_KEY:
        return False
    if not silent:
        token = state.push("wikilink", "a", 0)
        token.meta = {"title": title, "section": section.strip(), "label": label.strip()}
    state.pos = end + 2
    return True


def _file_embed(state: StateInline, silent: bool, name: str, options: str, end: int) -> bool:
    """``[[File:name]]``, ``[[File:name|alt=Text for screen readers|Caption]]``: a picture.
    Of the parts after the name, ``alt=…`` sets the alternative text (the file's own by
    default) and the last other part is the caption."""
    if not name or len(name) > MAX_FILE_NAME or len(title_key(name)) > MAX_FILE_NAME:
        return False
    if not silent:
        alt, caption = None, ""
        for part in options.split("|") if options else ():
            key, sep, value = part.partition("=")
            if sep and key.strip().lower() == "alt":
                alt = value.strip()
            elif part.strip():
                caption = part.strip()
        token = state.push("file_embed", "figure", 0)
        token.meta = {"name": name, "alt": alt, "caption": caption}
    state.pos = end + 2
    return True


def _render_file_embed(self, tokens, idx, options, env) -> str:
    """The picture as a <figure>, from what ``env["files"]`` says of the name (see
    ``files.embedding``); a red link to the upload page for a file readers cannot see."""
    meta = tokens[idx].meta
    found = env.get("files", {}).get(meta["name"])
    label = escapeHtml(f"File:{meta['name']}")
    if not found:
        href = "/files/upload/?" + urlencode({"name": meta["name"]})
        return (
            f'<a class="wikilink new" href="{escapeHtml(href)}" title="{UPLOAD_TITLE}">{label}</a>'
        )
    page = escapeHtml(found["page_url"])
    if found["is_adult"] and not env.get("adult"):
        return (
            f'<span class="file-withheld">An image marked adult (<a href="{page}">{label}</a>) '
            "is shown only on articles tagged adult.</span>"
        )
    alt = meta["alt"] if meta["alt"] is not None else found["alt"]
    caption = escapeHtml(meta["caption"])
    picture = (
        f'<img src="{escapeHtml(found["src"])}" srcset="{escapeHtml(found["srcset"])}" '
        f'sizes="(max-width: 700px) 100vw, 640px" width="{int(found["width"])}" '
        f'height="{int(found["height"])}" alt="{escapeHtml(alt)}" loading="lazy" '
        'decoding="async">'
    )
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure class="wiki-figure"><a href="{page}">{picture}</a>{figcaption}</figure>'


def _wikilink_text(meta: dict) -> str:
    if meta["label"]:
        return meta["label"]
    return f"{meta['title']} § {meta['section']}" if meta["section"] else meta["title"]


def _render_wikilink(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    text = escapeHtml(_wikilink_text(meta))
    slug = env.get("slugs", {}).get(meta["title"])
    if slug:
        href = f"/wiki/{quote(str(slug))}/"
        if meta["section"]:
            href += "#" + quote(slugify(meta["section"]))
        return f'<a class="wikilink" href="{escapeHtml(href)}">{text}</a>'
    href = "/wiki/new/?" + urlencode({"title": meta["title"]})
    return f'<a class="wikilink new" href="{escapeHtml(href)}" title="{CREATE_TITLE}">{text}</a>'


# --- footnotes: Python-Markdown's ids, inside a "References" section -----------------------


def _keep_unreferenced_footnotes(state: StateCore) -> None:
    """markdown-it drops footnotes nobody cites; list them too (after the cited ones)."""
    data = state.env.get("footnotes")
    if not data:
        return
    for key, number in data["refs"].items():
        if number < 0:
            data["refs"][key] = len(data["list"])
            data["list"][len(data["list"])] = {"label": key[1:], "count": 0}


def _ref_id(meta: dict) -> str:
    sub = meta.get("subId", 0)
    return f"fnref{sub + 1 if sub else ''}:{meta['label']}"


def _render_footnote_ref(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    label = escapeHtml(meta["label"])
    ref_id = escapeHtml(_ref_id(meta))
    number = meta["id"] + 1
    return f'<sup id="{ref_id}"><a class="footnote-ref" href="#fn:{label}">{number}</a></sup>'


def _render_footnote_block_open(self, tokens, idx, options, env) -> str:
    heading_id = escapeHtml(tokens[idx].meta["heading_id"])
    return (
        f'<section class="references">\n<h2 id="{heading_id}">References</h2>\n'
        '<div class="footnote">\n<ol>\n'
    )


def _render_footnote_block_close(self, tokens, idx, options, env) -> str:
    return "</ol>\n</div>\n</section>\n"


def _render_footnote_open(self, tokens, idx, options, env) -> str:
    return f'<li id="fn:{escapeHtml(tokens[idx].meta["label"])}">'


def _render_footnote_close(self, tokens, idx, options, env) -> str:
    return "</li>\n"


def _render_footnote_anchor(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    if not env["footnotes"]["list"][meta["id"]]["count"]:
        return ""  # never cited: nothing to jump back to
    return (
        f'\u00a0<a class="footnote-backref" href="#{escapeHtml(_ref_id(meta))}" '
        f'title="Jump back to footnote {meta["id"] + 1} in the text">\u21a9</a>'
    )


# --- blocks -------------------------------------------------------------------------------


def fence_language(info: str) -> str:
    """``python`` from ```` ```python ```` and from Python-Markdown's ```` ```{.python} ````."""
    info = unescapeAll(info).strip()
    if info.startswith("{"):
        classes = [w[1:] for w in info.strip("{}").split() if w.startswith(".") and len(w) > 1]
        return classes[0] if classes else ""
    return info.split(maxsplit=1)[0] if info else ""


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    language = fence_language(token.info)
    css = f' class="language-{escapeHtml(language)}"' if language else ""
    return f"<pre><code{css}>{escapeHtml(token.content)}</code></pre>\n"


def _render_cell(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    align = str(token.attrs.get("style", "")).removeprefix("text-align:")
    return f'<{token.tag} align="{align}">' if align else f"<{token.tag}>"


def _render_nothing(self, tokens, idx, options, env) -> str:
    return ""  # images are left out


def _as_written(url: str) -> str:
    return url


def _build() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "xhtmlOut": False, "maxNesting": MAX_NESTING}
    ).enable("table")
    md.use(footnote_plugin, inline=False)
    # Keep destinations as written (markdown-it would percent-encode them and punycode the
    # host without IDNA's mapping, so "ｓｐａｍ.example" became "xn--mi7cyahl.example"):
    # browsers, nh3's scheme check and the spam checks all read the URL the writer typed.
    md.normalizeLink = _as_written
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.core.ruler.before("footnote_tail", "keep_footnotes", _keep_unreferenced_footnotes)
    rules: dict[str, Callable] = {
        "wikilink": _render_wikilink,
        "file_embed": _render_file_embed,
        "footnote_ref": _render_footnote_ref,
        "footnote_block_open": _render_footnote_block_open,
        "footnote_block_close": _render_footnote_block_close,
        "footnote_open": _render_footnote_open,
        "footnote_close": _render_footnote_close,
        "footnote_anchor": _render_footnote_anchor,
        "fence": _render_fence,
        "th_open": _render_cell,
        "td_open": _render_cell,
        "image": _render_nothing,
    }
    for name, rule in rules.items():
        md.add_render_rule(name, rule)

    tokenize = md.block.tokenize

    def tokenize_noting_depth(state, start_line: int, end_line: int) -> None:
        # markdown-it skips the rest of a container nested deeper than maxNesting; this is
        # its own test, one step early, so we can refuse the text instead of losing it.
        if state.level >= MAX_NESTING:
            line = state.skipEmptyLines(start_line)
            if line < end_line and state.sCount[line] >= state.blkIndent:
                state.env[_TOO_DEEP] = True
        tokenize(state, start_line, end_line)

    md.block.tokenize = tokenize_noting_depth  # the nested rules call md.block.tokenize
    return md


MD = _build()


# --- one parse ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A parsed text, ready to render. Shared (cached): nothing may change it afterwards."""

    tokens: list[Token]
    env: dict
    wikilink_targets: frozenset[str]
    faq: tuple[tuple[Token, list[Token]], ...]  # (question's inline token, answer blocks)
    too_deep: bool
    file_names: frozenset[str] = frozenset()  # names embedded with [[File:...]]

    def to_html(
        self, slugs: dict[str, str | None], files: dict | None = None, *, adult: bool = False
    ) -> str:
        """Unsanitized HTML; ``slugs`` maps wikilink titles to article slugs (None: red),
        ``files`` file names to what ``files.embedding`` knows of them (None: red), and
        ``adult`` says whether the text may show pictures marked adult."""
        env = {**self.env, "slugs": slugs, "files": files or {}, "adult": adult}
        return MD.renderer.render(self.tokens, MD.options, env)

    def faq_text(self) -> list[tuple[str, str]]:
        """(question, answer) pairs as plain text, whitespace collapsed."""
        return [(_text_of(question), _plain(answer)) for question, answer in self.faq]

    def link_targets(self) -> list[str]:
        """The targets of the text's links and autolinks (what a reader can click), in
        document order."""
        return [
            str(child.attrs.get("href", ""))
            for token in self.tokens
            if token.type == "inline"
            for child in token.children or ()
            if child.type == "link_open"
        ]

    def urls(self, bare_urls: Callable[[str], list[str]]) -> list[str]:
        """Link targets and, outside links, ``bare_urls`` of the text (code included: it is
        shown), in document order. Images are left out, as the renderer leaves them out."""
        found: list[str] = []
        for token in self.tokens:
            if token.type in ("fence", "code_block"):
                found.extend(bare_urls(token.content))
            if token.type != "inline":
                continue
            in_link = 0
            for child in token.children or ():
                if child.type == "link_open":
                    in_link += 1
                    found.append(str(child.attrs.get("href", "")))
                elif child.type == "link_close":
                    in_link -= 1
                elif not in_link and child.type in ("text", "code_inline"):
                    found.extend(bare_urls(child.content))
        return found


class _Ids:
    """Unique ids the way Python-Markdown's toc makes them (``x``, ``x_1``, ``x_2``), in
    amortized constant time however many headings share a name."""

    def __init__(self):
        self.used: set[str] = set()
        self.next: dict[tuple[str, int], int] = {}

    def take(self, wanted: str) -> str:
        found = wanted
        if not found or found in self.used:
            base, n = wanted, 1
            head, sep, tail = wanted.rpartition("_")
            if sep and tail.isascii() and tail.isdigit() and len(tail) < 10:
                base, n = head, int(tail) + 1
            start = (base, n)
            n = self.next.get(start, n)
            while (found := f"{base}_{n}") in self.used:
                n += 1
            self.next[start] = n + 1
        self.used.add(found)
        return found


def _plain(tokens: list[Token]) -> str:
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append(_text_of(token))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return " ".join(" ".join(parts).split())


def plain_heading(inline: Token) -> str:
    """A heading's text as the page shows it (a wikilink by its label), from its inline token."""
    return _text_of(inline)


def _text_of(token: Token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "wikilink":
            parts.append(_wikilink_text(child.meta))
    return "".join(parts).strip()


# The form checks the new text; the spam check reads the old one and the new; the save
# renders the new one: with two kept, a save parses each text once.
@lru_cache(maxsize=2)
def parse(text: str) -> Document:
    env: dict = {}
    tokens = MD.parse(text, env)
    ids, targets, files = _Ids(), set(), set()
    for i, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
        if token.type == "heading_open":
            token.attrs["id"] = ids.take(slugify(_text_of(tokens[i + 1])))
        elif token.type == "inline":
            children = token.children or ()
            targets.update(c.meta["title"] for c in children if c.type == "wikilink")
            embeds = [c.meta["name"] for c in children if c.type == "file_embed"]
            files.update(embeds)
            if embeds and _alone_in_paragraph(tokens, i):
                tokens[i - 1].hidden = tokens[i + 1].hidden = True  # a <figure> is no <p>'s
        elif token.type == "footnote_block_open":  # after every heading, as before
            token.meta = {"heading_id": ids.take("references")}
    tokens, faq = _faq_sections(tokens)
    too_deep = bool(env.pop(_TOO_DEEP, False))
    return Document(tokens, env, frozenset(targets), tuple(faq), too_deep, frozenset(files))


def _alone_in_paragraph(tokens: list[Token], i: int) -> bool:
    """Whether the inline token ``tokens[i]`` is a paragraph of pictures only (and the
    spaces and line breaks between them)."""
    if not (0 < i < len(tokens) - 1 and tokens[i - 1].type == "paragraph_open"):
        return False
    return all(
        c.type in ("file_embed", "softbreak", "hardbreak")
        or (c.type == "text" and not c.content.strip())
        for c in tokens[i].children or ()
    )


# --- FAQ sections -------------------------------------------------------------------------


def _is_heading(tokens: list[Token], i: int, tag: str) -> bool:
    token = tokens[i]
    return token.type == "heading_open" and token.level == 0 and token.tag == tag


def _faq_sections(tokens: list[Token]):
    """An h2 "FAQ" / "Frequently asked questions" opens a section up to the next h2 or the
    references; in it, each h3 ending in ? or ？ and the blocks after it form a faq-item.
    A section without questions stays as it was."""
    out: list[Token] = []
    pairs: list[tuple[Token, list[Token]]] = []
    i, count = 0, len(tokens)
    while i < count:
        if not (_is_heading(tokens, i, "h2") and _FAQ_HEADING.fullmatch(_text_of(tokens[i + 1]))):
            out.append(tokens[i])
            i += 1
            continue
        j = i + 3
        while j < count and not (
            _is_heading(tokens, j, "h2")
            or (tokens[j].type == "footnote_block_open" and tokens[j].level == 0)
        ):
            j += 1
        section, found = _faq_section(tokens[i:j])
        out.extend(section)
        pairs.extend(found)
        i = j
    return out, pairs


def _wrapper(tag: str, css: str, nesting: int) -> Token:
    token = Token(f"faq_{tag}_{'open' if nesting == 1 else 'close'}", tag, nesting)
    token.block = True
    if nesting == 1:
        token.attrs = {"class": css}
    return token


def _faq_section(block: list[Token]):
    out = [_wrapper("section", "faq", 1), *block[:3]]
    pairs: list[tuple[Token, list[Token]]] = []
    answer: list[Token] | None = None
    k = 3
    while k < len(block):
        if _is_heading(block, k, "h3"):  # heading_open, inline, heading_close
            if answer is not None:
                out.append(_wrapper("div", "faq-item", -1))
            answer = None
            if _text_of(block[k + 1]).endswith(_QUESTION_ENDS):
                answer = []
                out.append(_wrapper("div", "faq-item", 1))
                pairs.append((block[k + 1], answer))
            out.extend(block[k : k + 3])
            k += 3
            continue
        if answer is not None:
            answer.append(block[k])
        out.append(block[k])
        k += 1
    if answer is not None:
        out.append(_wrapper("div", "faq-item", -1))
    out.append(_wrapper("section", "faq", -1))
    return (out, pairs) if pairs else (block, [])
