"""The one rule for output names (slugs): the first claim on a name holds it.

Two role files that want one output name would overwrite each other's files.
``exporter render``, ``exporter batch`` and the service all give names out with
:class:`SlugClaims`: a name is held by whoever claimed it first (the batch first
hands each name to the role file the previous manifest gave it to, then claims in
file-name order); every later claim on it is refused with one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def clash(slug: str, holder: str) -> str:
    """The message for a claim on ``slug`` that ``holder`` holds."""
    return f"output name {slug!r} is already used by {holder}"


@dataclass
class SlugClaims:
    """Which role file holds which output name; a second claim on a name is an error."""

    holders: dict[str, str] = field(default_factory=dict)  #: slug -> the file holding it

    def claim(self, slug: str, claimant: str) -> str | None:
        """None if ``claimant`` may write ``slug``'s files (it holds it now), else why not."""
        holder = self.holders.setdefault(slug, claimant)
        return None if holder == claimant else clash(slug, holder)

    def taken_by_others(self, claimant: str) -> set[str]:
        """Names held by files other than ``claimant``."""
        return {slug for slug, holder in self.holders.items() if holder != claimant}
