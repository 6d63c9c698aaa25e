"""Vietnamese post-OCR correction (placeholder until the model lands)."""

from __future__ import annotations


def correct_words(words: list[tuple[str, int]]) -> list[str]:
    return [w for w, _ in words]
