"""A deterministic corpus in the import format (docs/import-format.md), for benchmarks.

    .venv/bin/python bench/corpus.py --articles 1000 --revisions 5 --words 1200 --seed 1 \\
        --out /tmp/corpus.jsonl
    .venv/bin/python manage.py import_articles /tmp/corpus.jsonl

The same arguments always give the same file, byte for byte. Each article is prose drawn from
a fixed vocabulary with a skewed (Zipf) distribution, so some words are in nearly every
article ("community", "fans") and others in a handful: a few marker words are planted in
exactly three articles each, whatever the corpus size. The summary printed at the end (on
stderr) names the common and rare words with the number of articles whose final text holds
them, for search benchmarks.

Articles: term articles with a Japanese-looking name, its katakana spelling as an alias and
original script, a reading; a few genre explainers ("A vs. B") that contrast two terms.
Bodies have headings, wikilinks to other articles of the corpus (some through an alias, a few
to titles that do not exist: red links), footnotes, and in one article of five a FAQ section.
Tags come from a fixed set declared in the header, some adult, some content warnings.
Histories: revision 1 holds most of the text, later ones add to it; a few later revisions
are by newcomers and wait for review, a few were rejected.

Only the standard library and wiki.names (plain Python) are used; no database is needed.
"""

import argparse
import itertools
import json
import random
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wiki import names  # noqa: E402

# --- vocabulary --------------------------------------------------------------------------

# Ranked: the first words are the most frequent (Zipf). Function words, then the words a
# wiki about fandom vocabulary uses a lot, then generated words for the long tail.


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _words(
    "the of and to a in is that it for as with on by this are from or be at an not which "
    "their its but they more also one when often than some can most other these into has "
    "have was been who about what only how many where while because both each such like "
    "very same used them any those there then between without through over after before"
)
TOPIC_WORDS = _words(
    "community fans series character story readers word term genre scene writers audience "
    "artists episode chapter forum translation meaning usage label romance comedy drama "
    "anime manga novel game studio convention archive fandom trope protagonist rival "
    "narrative culture online slang origin sense context example setting heroine hero "
    "author volume season adaptation discussion thread review critics catalogue tag "
    "warning reader viewer role relationship feeling emotion trait archetype dialogue "
    "arc ending plot moment pattern style voice humour tension conflict loyalty memory "
    "school city village festival summer winter journey friendship family sibling mentor "
    "villain costume portrait sketch panel cover soundtrack opening broadcast publisher "
    "magazine anthology doujin circle cosplay meme parody homage reference spelling "
    "loanword abbreviation pronunciation dialect borrowing shift nuance connotation "
    "register irony affection jealousy devotion rivalry confession misunderstanding "
    "rumour secret promise wish dream sorrow courage kindness stubbornness shyness "
    "cheerful gloomy quiet loud gentle fierce clumsy clever earnest playful serious "
    "classic modern early late common rare popular obscure central minor recurring "
    "typical unusual familiar strange subtle obvious broad narrow literal figurative "
    "describe mean borrow shorten spread adopt coin translate explain compare contrast "
    "appear return change grow fade survive inspire mock praise criticise discuss"
)

# romanization:katakana, one kana per syllable and never one kana for two syllables.
SYLLABLES = dict(
    pair.split(":")
    for pair in _words(
        "ka:カ ki:キ ku:ク ke:ケ ko:コ sa:サ su:ス se:セ so:ソ ta:タ te:テ to:ト "
        "na:ナ ni:ニ nu:ヌ ne:ネ no:ノ ha:ハ hi:ヒ he:ヘ ho:ホ ma:マ mi:ミ mu:ム me:メ mo:モ "
        "ya:ヤ yu:ユ yo:ヨ ra:ラ ri:リ ru:ル re:レ ro:ロ ga:ガ gi:ギ gu:グ ge:ゲ go:ゴ "
        "ba:バ bi:ビ bu:ブ be:ベ bo:ボ"
    )
)
SYLLABLE_LIST = sorted(SYLLABLES)

HEADINGS = (
    "Origins",
    "Usage",
    "In fandom",
    "Variations",
    "Reception",
    "Related terms",
    "Criticism",
    "Examples",
    "Spread abroad",
    "Notes on spelling",
)
SOURCES = (
    "Interview in a fan magazine, volume {n}.",
    "Forum thread archived by the community, post {n}.",
    "Glossary of a translation group, entry {n}.",
    "Convention panel notes, talk {n}.",
    "Reader survey, question {n}.",
)
QUESTIONS = (
    "Is the word used outside fandom?",
    "How is it pronounced?",
    "Is it the same as the older term?",
    "Where did fans first use it?",
    "Can it describe a real person?",
)
# (name, category, adult): the header declares them, articles use them by name.
TAGS = (
    ("Internet slang", "topic", False),
    ("Loanwords", "topic", False),
    ("Character archetypes", "topic", False),
    ("Fan culture", "topic", False),
    ("Anime", "medium", False),
    ("Manga", "medium", False),
    ("Light novels", "medium", False),
    ("Video games", "medium", False),
    ("Web fiction", "medium", False),
    ("Romance", "genre", False),
    ("Comedy", "genre", False),
    ("Horror", "genre", False),
    ("Slice of life", "genre", False),
    ("Fantasy", "genre", False),
    ("Violence", "warning", False),
    ("Spoilers", "warning", False),
    ("Infidelity", "warning", False),
    ("Sexual content", "warning", True),
    ("Explicit art", "topic", True),
)
ORDINARY_TAGS = [name for name, category, adult in TAGS if category != "warning" and not adult]
WARNING_TAGS = [name for name, category, adult in TAGS if category == "warning" and not adult]
ADULT_TAGS = [name for name, _, adult in TAGS if adult]

WRITERS = [f"writer-{n:03d}" for n in range(1, 201)]
NEWCOMERS = [f"newcomer-{n:02d}" for n in range(1, 21)]
MODERATORS = ["moderator-1", "moderator-2", "moderator-3"]
START = datetime(2024, 1, 1, tzinfo=UTC)
RARE_PER_WORD = 3  # planted rare words: in exactly this many articles each
RARE_WORDS = 8
SHOWN = 8  # common words listed in the summary


class Corpus:
    def __init__(self, *, articles: int, revisions: int, words: int, seed: int):
        self.count, self.revisions, self.words, self.seed = articles, revisions, words, seed
        rng = random.Random(seed)
        tail = self._pseudo_words(rng, 6000)
        self.rare = tail[:RARE_WORDS]  # kept out of the prose; planted instead
        self.vocabulary = FUNCTION_WORDS + TOPIC_WORDS + tail[RARE_WORDS:]
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.vocabulary))]
        self.cumulative = list(itertools.accumulate(weights))
        self.titles, self.readings = self._titles(rng)
        self.planted = {}  # article index -> rare words planted in it
        for word in self.rare:
            for index in rng.sample(range(articles), min(RARE_PER_WORD, articles)):
                self.planted.setdefault(index, []).append(word)
        self.document_frequency = Counter()

    # --- names ---------------------------------------------------------------------------

    @staticmethod
    def _pseudo_words(rng, count: int) -> list[str]:
        made, seen = [], set(FUNCTION_WORDS) | set(TOPIC_WORDS)
        while len(made) < count:
            word = "".join(rng.choice(SYLLABLE_LIST) for _ in range(rng.randint(3, 4)))
            if word not in seen:
                seen.add(word)
                made.append(word)
        return made

    def _titles(self, rng) -> tuple[list[str], list[str]]:
        """One title per article, unique by key and by look-alike skeleton (so that the
        import's name checks never refuse the corpus). Genre explainers, one in fifty,
        compare the two terms before them: "A vs. B"."""
        titles, readings, taken = [], [], set()

        def free(name: str) -> bool:
            marks = (names.name_key(name), names.skeleton(name))
            if taken & set(marks):
                return False
            taken.update(marks)
            return True

        for index in range(self.count):
            if self.is_genre(index):
                title = f"{titles[index - 2]} vs. {titles[index - 1]}"
                if free(title):
                    titles.append(title)
                    readings.append("")
                    continue
            while True:
                syllables = [rng.choice(SYLLABLE_LIST) for _ in range(rng.randint(2, 4))]
                reading = "".join(syllables)
                katakana = "".join(SYLLABLES[s] for s in syllables)
                if free(reading.capitalize()):
                    if free(katakana):
                        break
                    taken.discard(names.name_key(reading.capitalize()))
                    taken.discard(names.skeleton(reading.capitalize()))
            titles.append(reading.capitalize())
            readings.append(reading)
        return titles, readings

    def is_genre(self, index: int) -> bool:
        return index >= 2 and index % 50 == 49

    def katakana(self, index: int) -> str:
        reading = self.readings[index]  # every syllable is two letters
        return "".join(SYLLABLES[reading[i : i + 2]] for i in range(0, len(reading), 2))

    # --- prose ---------------------------------------------------------------------------

    def _sentences(self, rng, count: int) -> list[str]:
        drawn = rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)
        sentences, start = [], 0
        while start < len(drawn):
            size = rng.randint(8, 20)
            words = drawn[start : start + size]
            start += size
            sentences.append(words[0].capitalize() + " " + " ".join(words[1:]) + ".")
        return sentences

    def _paragraph(self, rng, words: int, extras: list[str]) -> str:
        sentences = self._sentences(rng, words)
        for extra in extras:  # links, footnote marks, planted words
            at = rng.randrange(len(sentences))
            sentences[at] = sentences[at][:-1] + " " + extra + "."
        return " ".join(sentences)

    def body(self, index: int, rng) -> list[tuple[str, str]]:
        """The final text as (heading, paragraph) sections; revisions show a prefix."""
        title = self.titles[index]
        words_left = self.words
        paragraphs = max(3, round(self.words / 90))
        per = max(8, self.words // paragraphs)
        links = [f"[[{self.titles[rng.randrange(self.count)]}]]" for _ in range(rng.randint(2, 4))]
        if self.count > 1 and rng.random() < 0.3:  # through an alias
            other = rng.randrange(self.count)
            if not self.is_genre(other):
                links.append(f"[[{self.katakana(other)}|{self.titles[other]}]]")
        if rng.random() < 0.1:  # a red link: digits never occur in corpus titles
            links.append(f"[[Unwritten term {index}]]")
        notes = rng.randint(1, 3)
        extras = [*links, *(f"[^{n}]" for n in range(1, notes + 1))]
        extras += self.planted.get(index, [])
        rng.shuffle(extras)
        sections = []
        headings = iter(rng.sample(HEADINGS, len(HEADINGS)))
        for number in range(paragraphs):
            mine = extras[number::paragraphs]
            text = self._paragraph(rng, min(per, max(words_left, 8)), mine)
            if number == 0:
                text = f"**{title}** is a word that fans use. {text}"
            words_left -= per
            heading = next(headings, "") if number % 2 else ""  # a heading every other one
            sections.append((heading, text))
        if index % 5 == 0:
            faq = "\n\n".join(
                f"### {question}\n\n{self._paragraph(rng, 25, [])}"
                for question in rng.sample(QUESTIONS, 2)
            )
            sections.append(("Frequently asked questions", faq))
        footnotes = "\n".join(
            f"[^{n}]: " + rng.choice(SOURCES).format(n=rng.randint(1, 400))
            for n in range(1, notes + 1)
        )
        sections.append(("", footnotes))
        return sections

    @staticmethod
    def _text(sections) -> str:
        return "\n\n".join(f"## {head}\n\n{text}" if head else text for head, text in sections)

    # --- articles ------------------------------------------------------------------------

    def article(self, index: int) -> dict:
        rng = random.Random(self.seed * 1_000_003 + index)
        title = self.titles[index]
        genre = self.is_genre(index)
        sections = self.body(index, rng)
        tags = rng.sample(ORDINARY_TAGS, rng.randint(1, 3))
        if rng.random() < 0.1:
            tags.append(rng.choice(WARNING_TAGS))
        if rng.random() < 0.03:
            tags.append(rng.choice(ADULT_TAGS))
        common = {
            "title": title,
            "summary": f"{title}: a word from {rng.choice(TOPIC_WORDS)} talk among fans.",
            "tags": sorted(tags),
        }
        if genre:
            first, second = self.titles[index - 2], self.titles[index - 1]
            common["contrasts_with"] = [first, second]
            common["tone"] = f"How {first} and {second} differ."
        else:
            common.update(
                aliases=[self.katakana(index)],
                original_script=self.katakana(index),
                reading=self.readings[index],
                origin_language="Japanese",
            )
        final_text = self._text(sections)
        self.document_frequency.update(set(final_text.lower().replace(".", " ").split()))
        when = START + timedelta(minutes=5 * index)
        revisions = []
        keep_last = len(sections) - 1  # the footnotes stay at the end of every revision
        count = self.revisions
        for number in range(1, count + 1):
            share = 0.6 + 0.4 * (number - 1) / max(1, count - 1)
            shown = max(1, round(keep_last * share))
            text = final_text if number == count else self._text([*sections[:shown], sections[-1]])
            author = rng.choice(WRITERS)
            revision = {
                **common,
                "body": text,
                "author": author,
                "created_at": when.isoformat(),
                "edit_summary": "New article"
                if number == 1
                else rng.choice(("Expand", "Add a section", "Sources", "Wording", "Copy-edit")),
                "is_minor": number > 1 and rng.random() < 0.2,
                "status": "accepted",
                "reviewed_by": author,
                "reviewed_at": when.isoformat(),
            }
            if number > 1 and number == count and rng.random() < 0.05:
                pending_author = rng.choice(NEWCOMERS)
                revision.update(status="pending", author=pending_author)
                del revision["reviewed_by"], revision["reviewed_at"]
            revisions.append(revision)
            when += timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
        if count > 2 and rng.random() < 0.03:  # a newcomer's edit that was turned down
            at = rng.randint(2, count - 1)
            rejected = {
                **revisions[at - 1],
                "body": revisions[at - 1]["body"] + "\n\nBuy cheap figures here.",
                "author": rng.choice(NEWCOMERS),
                "edit_summary": "More",
                "status": "rejected",
                "reviewed_by": rng.choice(MODERATORS),
                "reviewed_at": revisions[at - 1]["created_at"],
                "review_reason": "Advertising.",
            }
            revisions.insert(at, rejected)
        return {"kind": "genre" if genre else "term", "revisions": revisions}

    def header(self) -> dict:
        return {
            "format": "kotoba-articles",
            "version": 1,
            "tags": [
                {"name": name, "category": category, "adult": adult}
                for name, category, adult in TAGS
            ],
            "users": [{"username": name} for name in (*MODERATORS, *WRITERS, *NEWCOMERS)],
        }

    def write(self, out) -> None:
        out.write(json.dumps(self.header(), ensure_ascii=False) + "\n")
        for index in range(self.count):
            out.write(json.dumps(self.article(index), ensure_ascii=False) + "\n")

    def summary(self) -> str:
        frequency = self.document_frequency
        common = [w for w in TOPIC_WORDS if frequency[w] >= 0.5 * self.count][:SHOWN]
        listed = ", ".join(f"{w} ({frequency[w]})" for w in common)
        rare = ", ".join(f"{w} ({frequency[w]})" for w in self.rare)
        return (
            f"{self.count} articles, {self.revisions} revision(s) each, ~{self.words} words.\n"
            f"Common words (articles holding them): {listed}\n"
            f"Rare words (articles holding them): {rare}\n"
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--revisions", type=int, default=5)
    parser.add_argument("--words", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="-", help="File to write (default: standard output).")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.revisions < 1 or args.words < 30:
        parser.error("--articles and --revisions must be at least 1, --words at least 30")
    corpus = Corpus(
        articles=args.articles, revisions=args.revisions, words=args.words, seed=args.seed
    )
    if args.out == "-":
        corpus.write(sys.stdout)
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            corpus.write(out)
    sys.stderr.write(corpus.summary())


if __name__ == "__main__":
    main()
