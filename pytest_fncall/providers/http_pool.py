"""Long-lived httpx clients, so the requests of one run reuse their connections.

:class:`ClientPool` keeps one client per transport and timeout; :data:`current_client_pool`
is the pool of the running scheduler, if any. Every client shares one TLS context.
"""

from __future__ import annotations

import contextvars
import functools
import ssl
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from .http import HttpPolicy

__all__ = ["ClientPool", "current_client_pool", "new_client"]


class ClientPool:
    """Long-lived clients, so requests of one run reuse their connections (keep-alive).

    The scheduler makes one for its event loop and closes it when the run ends; without
    one (a direct call), each request gets a client of its own.
    """

    def __init__(self, connections: int = 20) -> None:
        self._connections = connections
        self._clients: dict[tuple[int, float], httpx.AsyncClient] = {}

    def client(self, policy: HttpPolicy) -> httpx.AsyncClient:
        key = (id(policy.transport), policy.timeout_s)
        if key not in self._clients:
            self._clients[key] = new_client(policy, self._connections)
        return self._clients[key]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


current_client_pool: contextvars.ContextVar[ClientPool | None] = contextvars.ContextVar(
    "fncall_client_pool", default=None
)


def new_client(policy: HttpPolicy, connections: int = 20) -> httpx.AsyncClient:
    """A client with ``policy``'s transport and timeout."""
    return httpx.AsyncClient(
        transport=policy.transport,
        timeout=policy.timeout_s,
        follow_redirects=True,
        verify=_ssl_context(),
        limits=httpx.Limits(
            max_connections=None, max_keepalive_connections=max(20, connections)
        ),
    )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for the run: building one per client costs ~25 ms (certificates)."""
    return httpx.create_ssl_context()
