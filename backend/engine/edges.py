"""Edges the engine talks to but does not own: speech-to-text and call summaries.

A real deployment plugs in its speech service; the default is a fake that is
deterministic (the same call always gets the same text), so tests, replays and
the demo show real-looking transcripts without a network.
"""
from __future__ import annotations

import hashlib
from typing import Protocol

from backend.engine.model import Call

_TOPICS = [
    ("fakturan", "en fråga om fakturan"),
    ("leveransen", "en försenad leverans"),
    ("lösenordet", "inloggning och lösenord"),
    ("abonnemanget", "en ändring av abonnemanget"),
    ("beställningen", "status för en beställning"),
    ("felanmälan", "en felanmälan"),
]


class Transcriber(Protocol):
    def voicemail(self, call: Call, duration_s: float) -> str:
        """The transcript of the voicemail message the caller left."""
        ...

    def summary(self, call: Call) -> str:
        """Conversation Intelligence (§16): a short summary of the answered call."""
        ...


class FakeTranscriber:
    """Deterministic texts chosen by a hash of the call's id and caller."""

    def _topic(self, call: Call) -> tuple[str, str]:
        digest = hashlib.sha256(f"{call.id}:{call.caller}".encode()).digest()
        return _TOPICS[digest[0] % len(_TOPICS)]

    def voicemail(self, call: Call, duration_s: float) -> str:
        word, _ = self._topic(call)
        ref = "".join(f" {k} {v}." for k, v in sorted(call.collected.items()))
        text = f"Hej, jag ringer om {word}.{ref} Ring mig gärna tillbaka på {call.caller}. Tack!"
        if duration_s < 5:
            return text.split(".")[0] + "."
        return text

    def summary(self, call: Call) -> str:
        _, topic = self._topic(call)
        minutes = 0 if call.answered_at is None or call.ended_at is None else (call.ended_at - call.answered_at) / 60
        return f"Kunden ringde om {topic}. Samtalet varade {minutes:.0f} min och avslutades utan öppna frågor."
