"""Crawl the pages a logged-in visitor can reach by following links, and find raw codes in what they show:
long or scientific-notation numbers, amounts without thousands separators, English enum values on the Chinese
pages, ledger sides as D/C, dates not in YYYY-MM-DD. Used by tests/core/test_words_not_codes.py."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

SKIP = re.compile(r"/(logout|login|i18n|static|media)/|/export|\.(csv|xlsx|pdf|zip|json)$|/download|/pdf|/file|"
                  r"/scan|/documents/\d+/|/api/|/schema|/history/\d+|/verify")

# Enum values of the workflows and statuses, as stored: never shown on a Chinese page.
ENUM_WORDS = (
    "draft", "submitted", "accepted", "reviewed", "approved", "rejected", "returned", "cancelled", "paid", "closed",
    "pending", "applied", "superseded", "executed", "prepared", "refused", "received", "active", "waiting", "expired",
    "released", "deducted", "disbursed", "disbursing", "overdue", "normal", "paid_off", "signed", "open", "cleared",
    "posted", "confirmed", "reversed", "deferral", "ratio_reduction", "settled", "failed", "done", "running", "queued",
    "accept", "review", "approve", "reject", "submit", "cancel", "prepare", "confirm", "refuse", "unmatched",
    "matched", "booked", "suspense", "counter", "online", "standing", "awaiting_disbursement", "deposit", "payoff",
    "other_place", "query", "freeze", "renew", "unfreeze", "deduct", "personal", "bank", "control", "stopped",
)
ENUM_RE = re.compile(r"(?<![\w./:@-])(" + "|".join(sorted(ENUM_WORDS, key=len, reverse=True)) + r")(?![\w/@-])")
# 93900.5900000000; not a factor of a formula shown as such ("× 105.5683")
LONG_DECIMAL = re.compile(r"(?<![\w.])(?<!× )\d+\.\d{3,}(?![\w.])")
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E[+-]\d")  # 3E+1
UNSEPARATED = re.compile(r"(?<![\w.,-])\d{4,}\.\d{2}(?![\w])")  # 93900.59, not 93,900.59
OTHER_DATES = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
                         r"[a-z]*\.? \d{1,2}, \d{4}|\d{1,2}/\d{1,2}/\d{4}")
SNAKE = re.compile(r"(?<![\w./:@#-])[a-z]+_[a-z_]+(?![\w/@.-])")  # ratio_reduction, paid_off; not file names


class _Page(HTMLParser):
    """The visible text (per text node), the table cells, and the links of a page. Not read: scripts, styles,
    code, and the content of an element marked ``data-unrounded`` (a figure deliberately shown unrounded, e.g.
    each period's share of the interest that is rounded once on the total)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.cells, self.links = [], [], []
        self._skip = 0
        self._skipped = []  # the tags whose content is not read (scripts, code, unrounded figures shown as such)
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea", "code", "pre") or "data-unrounded" in dict(attrs):
            self._skip += 1
            self._skipped.append(tag)
        elif tag in ("td", "th", "dd"):
            self._cell = []
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if self._skipped and tag == self._skipped[-1]:
            self._skipped.pop()
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th", "dd") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html):
    page = _Page()
    page.feed(html)
    return page


def problems(page, *, chinese=True):
    """Raw codes in a parsed page: [(kind, text)]."""
    found = []
    text = "\n".join(t.strip() for t in page.texts if t.strip())
    for kind, pattern in (("long decimal", LONG_DECIMAL), ("scientific", SCIENTIFIC), ("no separator", UNSEPARATED),
                          ("date format", OTHER_DATES), ("snake_case", SNAKE)):
        found += [(kind, m.group(0)) for m in pattern.finditer(text)]
    if chinese:
        found += [("English enum", m.group(0)) for m in ENUM_RE.finditer(text)]
    found += [("D/C side", cell) for cell in page.cells if cell in ("D", "C")]
    return found


# Admin pages that show technical identifiers by design: permission codenames and role (group) codes, number
# sequences, login-attempt logs, the stored values of policy parameters as an administrator types them, the audit
# log's event codes, API tokens, and the JSON summaries of batch jobs.
ADMIN_TECHNICAL = re.compile(r"^/admin/(auth|axes|otp_totp|authtoken|django_celery_beat)/|"
                             r"^/admin/core/(numbersequence|policyvalue|auditevent|batchrun)/|"
                             r"^/admin/loans/loancloseofbusiness/|/history/")


def crawl(client, starts, *, limit=150, prefixes=("/counter/", "/portal/", "/employer/", "/admin/"),
          chinese=True, per_prefix=None, ignore=ADMIN_TECHNICAL):
    """Breadth-first from ``starts`` over same-site links under ``prefixes``: {url: [(kind, text)]} of the
    pages with problems, and the number of pages read. ``per_prefix``: at most this many pages per first two
    path segments (so one long list does not use up the limit)."""
    seen, queue, bad, read = set(starts), deque(starts), {}, 0
    buckets = {}
    while queue and read < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        read += 1
        page = parse(response.content.decode())
        issues = problems(page, chinese=chinese)
        if issues:
            bad[url] = issues
        for href in page.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith(prefixes) or SKIP.search(parts.path):
                continue
            if ignore is not None and ignore.search(parts.path):
                continue
            if parts.query and not re.fullmatch(r"page=\d+", parts.query):
                continue
            href = parts.path + (f"?{parts.query}" if parts.query else "")
            if href in seen:
                continue
            if per_prefix:
                bucket = "/".join(parts.path.split("/")[:3])
                if buckets.get(bucket, 0) >= per_prefix:
                    continue
                buckets[bucket] = buckets.get(bucket, 0) + 1
            seen.add(href)
            queue.append(href)
    return bad, read
