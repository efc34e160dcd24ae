"""A cap on request bodies: most routes take a small JSON document, so a body past `MAX_BODY`
bytes is refused (413) as soon as it is known to be larger, whether it declares its length or
streams in chunks; a body within the cap is read whole, then handed on. The routes named in
`larger` (paths, or route templates whose `{name}` is one path segment) have their own cap (a
declaration package: `UPLOAD_BODY`; an OSV batch: `BATCH_BODY`).

A refusal is the API's one-line JSON error, except on the web pages (any path outside `/v1/`)
when the site gives a `page` for it: a person who sent a form too large gets a page in their
language. The body of such a form is read to its end first (up to the cap again), since a
browser still sending it would show a broken connection instead of the answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainreview import limits
from chainreview.api.errors import body

MAX_BODY: Final = 64 * 1024
UPLOAD_BODY: Final = limits.MAX_PACKAGE_ZIP_BYTES + MAX_BODY
"""A package upload: the archive, and room for the multipart framing and the form's fields."""
BATCH_BODY: Final = 4 * 1024 * 1024
"""An OSV query batch: 1,000 queries (osv-scanner's batch), each up to its longest fields."""
API_PREFIX: Final = "/v1/"

RefusalPage: TypeAlias = Callable[[Scope, int], ASGIApp]
"""The answer (an ASGI response) to a web page's request refused for a body over the cap."""


class BodyLimit:
    """ASGI middleware refusing request bodies over `limit` bytes."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int = MAX_BODY,
        larger: Mapping[str, int] | None = None,
        page: RefusalPage | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = {path: cap for path, cap in (larger or {}).items() if "{" not in path}
        self.patterns = [
            (re.compile("^" + re.sub(r"\\{[^}]*\\}", "[^/]+", re.escape(path)) + "$"), cap)
            for path, cap in (larger or {}).items()
            if "{" in path
        ]
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self._limit(path)
        page = None if path.startswith(API_PREFIX) else self.page
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if page is not None and declared.isdigit() and int(declared) <= 2 * limit:
                await _drain(receive, 0, limit)
            await self._refuse(scope, receive, send, limit, page)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:  # read it all first: it is small, or refused before it is kept
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                if page is not None and message.get("more_body", False):
                    await _drain(receive, seen, limit)
                await self._refuse(scope, receive, send, limit, page)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()
            given = True
            return whole

        await self.app(scope, replay, send)

    def _limit(self, path: str) -> int:
        """The cap of `path`: its own (a route template's `{name}` stands for one segment),
        else the default."""
        found = self.larger.get(path)
        if found is not None:
            return found
        return next((cap for pattern, cap in self.patterns if pattern.match(path)), self.limit)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int, page: RefusalPage | None
    ) -> None:
        if page is not None:
            await page(scope, limit)(scope, receive, send)
            return
        import json

        content = json.dumps(
            body("too-large", f"a request body has at most {limit} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})


async def _drain(receive: Receive, read: int, limit: int) -> None:
    """Read what is left of a refused body and drop it while no more than twice the cap was
    read (`read` bytes so far): a browser gets its answer once it has sent its form; a larger
    body is answered without waiting, and its connection closes."""
    while read <= 2 * limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
