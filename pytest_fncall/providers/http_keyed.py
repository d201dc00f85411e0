"""The base of the keyed HTTP providers (OpenAI, Mistral, Anthropic): base URL and key."""

from __future__ import annotations

import httpx

from ..errors import ProviderError
from ..settings import Settings
from .http import HttpPolicy
from .redact import secrets_in

__all__ = ["KeyedHttpProvider"]


class KeyedHttpProvider:
    """The connection part every keyed HTTP provider shares: base URL and key.

    Base URL: ``--fncall-base-url``, else the provider's environment variable, else its
    public URL. The key comes from the environment; it is required only for the public
    URL (a local server usually needs none).
    """

    name: str
    key_variable: str
    base_url_variable: str
    public_base_url: str

    def __init__(
        self,
        model: str,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model
        environment = settings.environment
        base = settings.base_url or environment.get(self.base_url_variable)
        self.base_url = (base or self.public_base_url).rstrip("/")
        self.key = environment.get(self.key_variable) or None
        if self.key is None and self.base_url == self.public_base_url.rstrip("/"):
            raise ProviderError(
                f"{self.name}: {self.key_variable} is not set; export it, or point "
                f"--fncall-base-url at a server that needs no key"
            )
        self.secrets = secrets_in(environment, self.key)
        self.policy = HttpPolicy(settings.timeout_s, settings.max_retries, transport)
