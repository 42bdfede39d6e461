"""HTML to text: pages saved as .txt or .md files are read as their text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_HTML_TAG = re.compile(r"</?(?:p|br|div|span|html|body|h[1-6]|li|ul|ol|td|tr|table|strong|b|em|"
                       r"font|a|img|section|article)\b[^>]*>", re.IGNORECASE)
_BLOCK_TAGS = {"p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table",
               "section", "article", "ul", "ol"}



def looks_like_html(text: str) -> bool:
    """Whether a text file carries HTML markup (at least two tags)."""
    return len(_HTML_TAG.findall(text[:200_000])) >= 2


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(text: str) -> str:
    """The text of an HTML fragment or page: tags dropped, blocks on lines of their own."""
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)
