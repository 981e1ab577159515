"""Search stays right when the collection changes underneath: other engines, other connections."""

from __future__ import annotations

import sqlite3
from typing import AsyncIterator, List, Tuple

import numpy as np
import pytest
import pytest_asyncio

from sqlvec._async import AsyncEngine, AsyncVectorStore
from sqlvec.embeddings import HashEmbedding
from sqlvec.errors import CollectionNotFoundError, DimensionMismatchError

DIM = 8


def unit(i: int) -> List[float]:
    """The i-th basis vector: a document that only one query finds at distance 0."""
    vector = [0.0] * DIM
    vector[i] = 1.0
    return vector


@pytest_asyncio.fixture
async def pair(engine_url: str) -> AsyncIterator[Tuple[AsyncVectorStore, AsyncVectorStore]]:
    """Two stores on the same collection through two engines (two connections)."""
    async with (
        AsyncEngine.from_url(engine_url) as first,
        AsyncEngine.from_url(engine_url) as second,
    ):
        await first.ainit_vectorstore_table("shared", vector_dimension=DIM, distance="l2")
        yield (
            AsyncVectorStore(first, HashEmbedding(DIM), "shared"),
            AsyncVectorStore(second, HashEmbedding(DIM), "shared"),
        )


async def nearest(store: AsyncVectorStore, vector: List[float], k: int = 1) -> List[str]:
    """Ids of the k nearest documents."""
    return [d.id or "" for d in await store.asimilarity_search_by_vector(vector, k=k)]


@pytest.mark.asyncio
async def test_writes_from_another_engine_are_seen_by_search(
    pair: Tuple[AsyncVectorStore, AsyncVectorStore],
) -> None:
    mine, theirs = pair
    await mine.aadd_embeddings(["zero", "one"], [unit(0), unit(1)], ids=["zero", "one"])
    assert await nearest(mine, unit(2)) in (["zero"], ["one"])  # cache is loaded now
    await theirs.aadd_embeddings(["two"], [unit(2)], ids=["two"])
    assert await nearest(mine, unit(2)) == ["two"]
    # an update of the vector moves the document
    await theirs.aadd_embeddings(["two moved"], [unit(3)], ids=["two"])
    assert await nearest(mine, unit(3)) == ["two"]
    hits = await mine.asimilarity_search_with_score_by_vector(unit(2), k=3)
    assert all(score > 1.0 for _, score in hits)
    # a delete removes it
    assert await theirs.adelete(["two"]) == 1
    assert "two" not in await nearest(mine, unit(3), k=10)
    assert sorted(await nearest(mine, unit(3), k=10)) == ["one", "zero"]


@pytest.mark.asyncio
async def test_interleaved_writes_from_both_engines(
    pair: Tuple[AsyncVectorStore, AsyncVectorStore],
) -> None:
    mine, theirs = pair
    rng = np.random.default_rng(7)
    expected = {}
    for step in range(12):
        writer = mine if step % 3 else theirs
        vectors = rng.normal(size=(5, DIM))
        ids = [f"s{step}-{j}" for j in range(5)]
        await writer.aadd_embeddings(ids, vectors.tolist(), ids=ids)
        expected.update(zip(ids, vectors))
        if step % 4 == 3:
            gone = ids[:2]
            await (theirs if writer is mine else mine).adelete(gone)
            for g in gone:
                del expected[g]
        for reader in (mine, theirs):
            query = rng.normal(size=DIM)
            keys = list(expected)
            dists = np.linalg.norm(np.array([expected[k] for k in keys]) - query, axis=1)
            want = [keys[i] for i in np.argsort(dists)[:5]]
            assert await nearest(reader, query.tolist(), k=5) == want
    assert await mine.acount() == await theirs.acount() == len(expected)


@pytest.mark.asyncio
async def test_drop_and_recreate_by_another_engine(
    pair: Tuple[AsyncVectorStore, AsyncVectorStore],
) -> None:
    mine, theirs = pair
    await mine.aadd_embeddings(["zero"], [unit(0)], ids=["zero"])
    assert await nearest(mine, unit(0)) == ["zero"]
    await theirs.engine.adrop_table("shared")
    with pytest.raises(CollectionNotFoundError):
        await nearest(mine, unit(0))
    await theirs.engine.ainit_vectorstore_table("shared", vector_dimension=DIM, distance="l2")
    assert await nearest(mine, unit(0)) == []
    await theirs.engine.adrop_table("shared")
    await theirs.engine.ainit_vectorstore_table("shared", vector_dimension=3)
    await theirs.aadd_embeddings(["small"], [[1.0, 0.0, 0.0]], ids=["small"])
    with pytest.raises(DimensionMismatchError):
        await nearest(mine, unit(0))
    assert [d.id for d in await mine.asimilarity_search_by_vector([1.0, 0.0, 0.0])] == ["small"]
    with pytest.raises(DimensionMismatchError):
        await mine.aadd_embeddings(["wide"], [unit(0)])


@pytest.mark.asyncio
async def test_writes_by_plain_sqlite_with_a_version_bump_are_seen(store: AsyncVectorStore, sqlite_path: str) -> None:
    await store.aadd_texts(["cats purr"], ids=["cat"])
    assert [d.id for d in await store.asimilarity_search("cats")] == ["cat"]
    # Another process deleting rows through SQL bumps the version like sqlvec does.
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("DELETE FROM docs WHERE id = 'cat'")
        conn.execute("UPDATE sqlvec_collections SET version = version + 1 WHERE name = 'docs'")
    conn.close()
    assert await store.asimilarity_search("cats") == []
