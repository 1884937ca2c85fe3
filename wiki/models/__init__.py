from .articles import (
    REVISION_TEXT_COLUMNS,
    Alias,
    Article,
    ArticleKind,
    Link,
    Protection,
    Revision,
    RevisionStatus,
    SlugRedirect,
    normalize_title,
)
from .moderation import Block, BlockedURL, ModerationLog, Report
from .search import SearchEntry
from .tags import Tag, TagAlias, TagCategory, TagSlugRedirect
from .watching import Watch

__all__ = [
    "REVISION_TEXT_COLUMNS",
    "Alias",
    "Article",
    "ArticleKind",
    "Block",
    "BlockedURL",
    "Link",
    "ModerationLog",
    "Protection",
    "Report",
    "Revision",
    "RevisionStatus",
    "SearchEntry",
    "SlugRedirect",
    "Tag",
    "TagAlias",
    "TagCategory",
    "TagSlugRedirect",
    "Watch",
    "normalize_title",
]
