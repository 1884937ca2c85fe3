"""What search engines and link previews read: schema.org JSON-LD for an article."""

import json

from django.utils.safestring import mark_safe

_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_ld(
    article, revision, tags, absolute_url: str, site_url: str, *, with_text: bool = True
) -> str:
    """A JSON-LD document, safe to place inside <script type="application/ld+json">.
    `with_text=False` (the page opens behind a notice) leaves out the FAQ answers, which
    quote the article's text."""
    graph = []
    if article.kind == "term":
        term = {
            "@type": "DefinedTerm",
            "@id": absolute_url,
            "name": revision.title,
            "description": revision.summary,
            "url": absolute_url,
            "inDefinedTermSet": {
                "@type": "DefinedTermSet",
                "@id": site_url + "/wiki/",
                "name": "Kotoba: words of fandom and internet culture",
            },
        }
        alternate = [*revision.alias_list]
        if revision.original_script and revision.original_script not in alternate:
            alternate.append(revision.original_script)
        if alternate:
            term["alternateName"] = alternate
        if tags:
            term["keywords"] = ", ".join(t.name for t in tags)
        graph.append(term)
    else:
        graph.append(
            {
                "@type": "Article",
                "@id": absolute_url,
                "headline": revision.title,
                "description": revision.summary,
                "url": absolute_url,
                "dateModified": article.updated_at.isoformat(),
                "datePublished": article.created_at.isoformat(),
                "keywords": ", ".join(t.name for t in tags),
            }
        )
    if revision.faq and with_text:
        graph.append(
            {
                "@type": "FAQPage",
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": question,
                        "acceptedAnswer": {"@type": "Answer", "text": answer},
                    }
                    for question, answer in revision.faq
                ],
            }
        )
    document = {"@context": "https://schema.org", "@graph": graph}
    return mark_safe(json.dumps(document, ensure_ascii=False).translate(_ESCAPES))  # noqa: S308
