"""Where to send a user back to (after signing in, after switching language): only a page of
this site, never another site (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_local_url(target: str | None, default_endpoint: str = "web.home") -> str:
    """``target`` if it is a path on this site, else the default page (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for(default_endpoint)
