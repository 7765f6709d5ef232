"""Counts in words for the screen: ``1 lapse``, ``2 lapses``, ``0 reviews``."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """Return ``number`` with ``noun`` in the form English needs ("1 day", "3 days").

    Args:
        number: The count.
        noun: The singular noun ("lapse", "study day").
        plural: The plural when it is not ``noun + "s"`` ("entries").

    Returns:
        The count and the noun, e.g. ``"1 lapse"``.
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
