"""AsyncDeadline without a server: when it releases a caller whose call ignores a first cancellation."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import List

import pytest

pytest.importorskip("psycopg")

from sqlvec._drivers.pg_common import CANCEL_GRACE  # noqa: E402
from sqlvec._drivers.pg_deadline import AsyncDeadline  # noqa: E402


async def _stubborn(cleanup: float) -> None:
    """Like psycopg on a frozen network: a cancellation starts a cleanup that takes `cleanup` seconds."""
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        await asyncio.sleep(cleanup)
        raise


@pytest.mark.asyncio
async def test_a_call_whose_cleanup_hangs_is_cancelled_again_after_the_grace() -> None:
    fired: List[bool] = []
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await AsyncDeadline().run(None, 0.2, fired, _stubborn, 30)  # type: ignore[arg-type]
    assert time.monotonic() - started < 0.2 + CANCEL_GRACE + 0.3
    assert fired == [True]
    if sys.version_info >= (3, 11):
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    await asyncio.sleep(0.01)  # the task is not left cancelled


@pytest.mark.asyncio
async def test_a_quick_cleanup_is_waited_for() -> None:
    fired: List[bool] = []
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await AsyncDeadline().run(None, 0.2, fired, _stubborn, 0.05)  # type: ignore[arg-type]
    assert 0.25 <= time.monotonic() - started < 0.2 + CANCEL_GRACE
    assert fired == [True]


@pytest.mark.asyncio
async def test_a_call_within_its_limit_is_left_alone() -> None:
    fired: List[bool] = []
    assert await AsyncDeadline().run(None, 1.0, fired, asyncio.sleep, 0.01, "done") == "done"  # type: ignore[arg-type]
    assert fired == []
    await asyncio.sleep(0.01)


@pytest.mark.asyncio
@pytest.mark.skipif(sys.version_info < (3, 11), reason="tasks count their cancellations from Python 3.11")
async def test_a_cancellation_from_outside_goes_on() -> None:
    fired: List[bool] = []
    call = asyncio.ensure_future(AsyncDeadline().run(None, 10.0, fired, asyncio.sleep, 60))  # type: ignore[arg-type]
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert fired == []
