"""A provider wrapper that shows the model a perturbed variant and maps its calls back.

It sits outermost (around the cassette), so a cassette records what the model saw and
said; everything inside the run (matching, simulated tools, the trajectory) stays in
canonical names.
"""

from __future__ import annotations

from dataclasses import replace

from .perturb import PerturbedTools
from .providers.base import ModelRequest, Provider
from .results import ModelTurn


class PerturbingProvider:
    """``inner`` asked under ``perturbed``'s names, order and descriptions."""

    def __init__(self, inner: Provider, perturbed: PerturbedTools) -> None:
        self.inner = inner
        self.perturbed = perturbed
        self._canonical = {
            offered: canonical for canonical, offered in perturbed.tool_names.items()
        }

    async def complete(self, request: ModelRequest) -> ModelTurn:
        perturbed = self.perturbed
        asked = {tool.name for tool in request.tools} | perturbed.distractors
        outgoing = replace(
            request,
            messages=perturbed.outgoing_messages(request.messages),
            tools=tuple(
                tool
                for tool in perturbed.tools
                if self._canonical.get(tool.name) in asked
            ),
            tool_choice=perturbed.outgoing_choice(request.tool_choice),
        )
        turn = await self.inner.complete(outgoing)
        if not turn.calls:
            return turn
        return replace(
            turn, calls=tuple(perturbed.map_call_back(call) for call in turn.calls)
        )


def perturbing(provider: Provider, perturbed: PerturbedTools | None) -> Provider:
    """``provider`` itself when the case is not perturbed."""
    return provider if perturbed is None else PerturbingProvider(provider, perturbed)
