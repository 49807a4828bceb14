"""Batches by identical text, for sending systems whose batch call sends one text to many."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ..errors import DeliveryError, HandoffError
from .base import Receipt
from .envelope import Envelope

# (envelopes sharing one text) -> one receipt each, in the same order
SendGroup = Callable[[list[Envelope]], list[Receipt]]


def deliver_grouped(
    envelopes: Sequence[Envelope],
    *,
    text_of: Callable[[Envelope], str],
    size: int,
    send: SendGroup,
) -> Iterator[Receipt]:
    """One receipt per envelope, in order, sending each group of envelopes with the same text
    (at most `size` to a group) in one call of `send`.

    `text_of` returns what an envelope sends, or raises HandoffError when the adapter cannot
    carry it (no phone number): that envelope gets a failed receipt and the others go on.
    A DeliveryError from `send` fails every envelope of its group. A group is sent when the
    first of its envelopes is reached, so receipts come as soon as their request answered.
    """
    groups: list[list[int]] = []
    group_of: dict[int, int] = {}
    open_group: dict[str, int] = {}  # text -> the group still taking envelopes
    refused: dict[int, Receipt] = {}
    for index, envelope in enumerate(envelopes):
        try:
            text = text_of(envelope)
        except HandoffError as exc:
            refused[index] = Receipt.failed(envelope, exc)
            continue
        number = open_group.get(text)
        if number is None or len(groups[number]) >= size:
            number = open_group[text] = len(groups)
            groups.append([])
        groups[number].append(index)
        group_of[index] = number

    answered: dict[int, Receipt] = {}
    for index in range(len(envelopes)):
        if index in refused:
            yield refused[index]
            continue
        if index not in answered:
            members = groups[group_of[index]]
            batch = [envelopes[i] for i in members]
            try:
                receipts = send(batch)
            except DeliveryError as exc:
                receipts = [Receipt.failed(e, exc) for e in batch]
            answered.update(zip(members, receipts, strict=True))
        yield answered.pop(index)
