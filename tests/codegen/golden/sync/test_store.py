from __future__ import annotations

import pytest

# async only: pytest_asyncio
from pkg._sync.store import Store, open_store

pytestmark = [pytest.mark.integration]


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path}/x.db") as s:
        yield s


# async only: @pytest.mark.asyncio
def test_add_then_count(store: Store) -> None:
    ids = store.add_texts(["a", "b"])
    assert store.count() == len(ids)


@pytest.mark.parametrize("n", [1, 2])
def test_iter(store: Store, n: int) -> None:
    store.add_texts(["x"] * n)
    seen = [d for d in store.iter_documents(batch_size=1)]
    assert len(seen) == n
