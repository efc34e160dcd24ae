"""A cap on request bodies: most routes take a small JSON document, so a body past `MAX_BODY`
bytes is refused (413) as soon as it is known to be larger, whether it declares its length or
streams in chunks; a body within the cap is read whole, then handed on. The routes named in
`larger` have their own cap (a declaration package: `UPLOAD_BODY`; an OSV batch: `BATCH_BODY`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainreview import limits
from chainreview.api.errors import body

MAX_BODY: Final = 64 * 1024
UPLOAD_BODY: Final = limits.MAX_PACKAGE_ZIP_BYTES + MAX_BODY
"""A package upload: the archive, and room for the multipart framing and the form's fields."""
BATCH_BODY: Final = 4 * 1024 * 1024
"""An OSV query batch: 1,000 queries (osv-scanner's batch), each up to its longest fields."""


class BodyLimit:
    """ASGI middleware refusing request bodies over `limit` bytes."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.limit)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
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
                await self._refuse(send, limit)
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

    async def _refuse(self, send: Send, limit: int) -> None:
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
