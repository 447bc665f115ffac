"""Domain facts that more than one place needs, each defined once."""

from __future__ import annotations

from enum import StrEnum


class DeclineReason(StrEnum):
    """The public reasons a planner can decline with, from a template (or they type one).

    The order is the order of the buttons, and a button carries the index.
    """

    DUPLICATE_ELSEWHERE = "duplicate_elsewhere"
    PRIVATE_PROPERTY = "private_property"
    NOT_PUBLIC_SPACE = "not_public_space"
    ALREADY_PLANNED = "already_planned"
