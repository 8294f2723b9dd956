"""One log line per HTTP response (``flowsynx_tui.http``, level info), from httpx's event
hook: method, path with query, status, milliseconds, bytes. Never a header, so never the
Authorization one; paths carry GUIDs and paging, queries no secrets (the hub's connection
token goes on its WebSocket URL, which is not logged)."""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger("flowsynx_tui.http")


async def log_response(response: httpx.Response) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    # The client reads every body anyway; read here, its size and time are known.
    await response.aread()
    request = response.request
    log.info(
        "%s %s %d %.0f ms %d B",
        request.method,
        request.url.raw_path.decode("ascii", "replace"),
        response.status_code,
        response.elapsed.total_seconds() * 1000,
        len(response.content),
    )
