from __future__ import annotations

import pytest
import pytest_asyncio

from pkg._async.store import AsyncStore, open_store

pytestmark = [pytest.mark.asyncio, pytest.mark.integration]


@pytest_asyncio.fixture
async def store(tmp_path):
    async with open_store(f"sqlite:///{tmp_path}/x.db") as s:
        yield s


@pytest.mark.asyncio
async def test_add_then_count(store: AsyncStore) -> None:
    ids = await store.aadd_texts(["a", "b"])
    assert await store.acount() == len(ids)


@pytest.mark.parametrize("n", [1, 2])
async def test_iter(store: AsyncStore, n: int) -> None:
    await store.aadd_texts(["x"] * n)
    seen = [d async for d in store.aiter_documents(batch_size=1)]
    assert len(seen) == n
