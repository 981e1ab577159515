"""Write a large, deterministic async package (a family of async DB clients) for the benchmark."""

from __future__ import annotations

import argparse
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

PACKAGE = "benchpkg"
#: The tree the generators read, relative to the tree root; the sync twins go next to it.
ASYNC_DIR = f"src/{PACKAGE}/_async"
SYNC_DIR = f"src/{PACKAGE}/_sync"
UNASYNC_DIR = f"out/unasync/{PACKAGE}/_sync"
UNASYNCD_DIR = f"out/unasyncd/{PACKAGE}/_sync"

SUBPACKAGES = ("clients", "stores", "indexes", "pools", "streams", "sessions", "search", "jobs")
ADJECTIVES = (
    "vector", "document", "embedding", "shard", "tenant", "segment", "replica", "partition",
    "cached", "remote", "local", "hybrid", "sparse", "dense", "batch", "stream", "graph",
    "metric", "audit", "ledger", "journal", "archive", "snapshot", "quota",
)  # fmt: skip
NOUNS = (
    "store", "index", "table", "bucket", "queue", "catalog", "registry", "session", "reader",
    "writer", "cursor", "collection", "namespace", "keyspace", "channel", "feed", "mirror",
    "router", "planner", "loader",
)  # fmt: skip
WORDS = (
    "alpha", "beta", "gamma", "delta", "vector", "search", "rows", "tenant", "shard", "index",
    "query", "result", "embedding", "document", "score", "filter",
)  # fmt: skip

#: a-prefixed methods every generated class family may define; the sync side drops the "a".
CORE_METHODS = (
    "aopen", "aclose", "aexecute", "afetch_rows", "afetch_one", "atransaction", "afetch_many",
    "aconnection", "aadd_items", "aget", "acount", "adelete", "astream_items",
)  # fmt: skip


def camel(snake: str) -> str:
    """vector_store -> VectorStore."""
    return "".join(part.capitalize() for part in snake.split("_"))


HEADER = Template('''\
"""$title: the async $words client.

$summary

Example::

    async with Async${E}Client("memory://$snake") as client:
        ids = await client.aadd_items([{"text": "alpha beta"}])
        row = await client.aget(ids[0])
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncGenerator, AsyncIterator, Dict, List, Optional

from ...errors import ClosedError, NotFoundError
''')

CONNECTION = Template('''

class Async${E}Connection:
    """A connection to a $words backend.

    Use it as an async context manager::

        async with Async${E}Connection("memory://$snake") as conn:
            await conn.aexecute("INSERT", {"id": "1"})
    """

    def __init__(self, dsn: str, *, timeout: float = $timeout) -> None:
        self._dsn = dsn
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._rows: Dict[str, Dict[str, Any]] = {}
        self._open = False
        # Statements executed since the connection was opened, for debugging.
        self._log: List[str] = []

    async def __aenter__(self) -> Async${E}Connection:
        await self.aopen()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aopen(self) -> None:
        """Open the connection; opening an open connection does nothing."""
        async with self._lock:
            if self._open:
                return
            # A real driver would do its handshake here.
            await asyncio.sleep(_PAUSE)
            self._open = True
            logger.debug("opened %s", self._dsn)

    async def aclose(self) -> None:
        """Close the connection and forget the statement log."""
        async with self._lock:
            self._open = False
            self._log.clear()

    async def aexecute(self, statement: str, params: Dict[str, Any]) -> int:
        """Run one statement; returns the number of rows it touched."""
        if not self._open:
            raise ClosedError(f"connection to {self._dsn} is closed")
        async with self._lock:
            self._log.append(statement)
            if statement == "INSERT":
                self._rows[str(params["id"])] = dict(params)
                return 1
            if statement == "DELETE":
                return 1 if self._rows.pop(str(params["id"]), None) is not None else 0
            return 0

    async def afetch_one(self, key: str) -> Dict[str, Any]:
        """The row stored under key; NotFoundError if there is none."""
        async with self._lock:
            row = self._rows.get(key)
        if row is None:
            raise NotFoundError(key)
        return dict(row)

    async def afetch_rows(self) -> AsyncIterator[Dict[str, Any]]:
        """Yield every stored row, in insertion order."""
        for key in list(self._rows):
            await asyncio.sleep(_PAUSE)
            row = self._rows.get(key)
            if row is not None:
                yield dict(row)

    @asynccontextmanager
    async def atransaction(self) -> AsyncIterator[Async${E}Connection]:
        """Run a block atomically: on error, every row written inside is rolled back."""
        snapshot = dict(self._rows)
        try:
            yield self
        except BaseException:
            self._rows = snapshot
            raise
''')

CURSOR = Template('''

class Async${E}Cursor:
    """Iterate over query results without loading them all: ``async for row in cursor``."""

    def __init__(self, rows: List[Dict[str, Any]], *, batch_size: int = $batch) -> None:
        self._rows = rows
        self._batch_size = batch_size
        self._position = 0

    def __aiter__(self) -> Async${E}Cursor:
        return self

    async def __anext__(self) -> Dict[str, Any]:
        if self._position >= len(self._rows):
            raise StopAsyncIteration
        if self._position % self._batch_size == 0:
            # The next batch: a real driver would wait for the server here.
            await asyncio.sleep(_PAUSE)
        row = self._rows[self._position]
        self._position += 1
        return row

    async def afetch_many(self, size: int) -> List[Dict[str, Any]]:
        """Up to ``size`` rows from the current position."""
        rows: List[Dict[str, Any]] = []
        if size <= 0:
            return rows
        async for row in self:
            rows.append(row)
            if len(rows) >= size:
                break
        return rows
''')

POOL = Template('''

class Async${E}Pool:
    """A small pool of connections; ``acquire`` waits until one is free."""

    def __init__(self, dsn: str, size: int = $size) -> None:
        self._dsn = dsn
        self._size = size
        self._free: List[Async${C}Connection] = []
        self._semaphore = asyncio.Semaphore(size)
        self._lock = asyncio.Lock()

    async def acquire(self) -> Async${C}Connection:
        """A connection from the pool, opened; give it back with ``release``."""
        await self._semaphore.acquire()
        async with self._lock:
            if self._free:
                return self._free.pop()
        conn = Async${C}Connection(self._dsn)
        await conn.aopen()
        return conn

    async def release(self, conn: Async${C}Connection) -> None:
        """Put a connection back."""
        async with self._lock:
            self._free.append(conn)
        self._semaphore.release()

    @asynccontextmanager
    async def aconnection(self) -> AsyncIterator[Async${C}Connection]:
        """Borrow a connection for the length of an ``async with`` block."""
        conn = await self.acquire()
        try:
            yield conn
        finally:
            await self.release(conn)

    async def aclose(self) -> None:
        """Close every idle connection."""
        async with self._lock:
            while self._free:
                await self._free.pop().aclose()
''')

ROW = Template('''

@dataclass(frozen=True)
class ${E}Row:
    """One $words record as the client returns it."""

    id: str
    text: str
    score: float = 0.0
    tags: List[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> ${E}Row:
        """Build a row from what the backend stores."""
        return cls(
            id=str(data["id"]),
            text=str(data.get("text", "")),
            score=float(data.get("score", 0.0)),
            tags=list(data.get("tags", [])),
        )
''')

CLIENT = Template('''

class Async${E}Client:
    """The async client for $words.

    Example::

        async with Async${E}Client("memory://$snake") as client:
            ids = await client.aadd_items([{"text": "hello"}])
            assert await client.acount() == 1
    """

    def __init__(self, dsn: str, *, retries: int = $retries, retry_delay: float = 0.0) -> None:
        self._conn = Async${C}Connection(dsn)
        self._retries = retries
        self._retry_delay = retry_delay
        self._next_id = $start
        self._lock = asyncio.Lock()
        self._closed = False

    async def __aenter__(self) -> Async${E}Client:
        await self._conn.aopen()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            await self._conn.aclose()

    async def _execute_with_retry(self, statement: str, params: Dict[str, Any]) -> int:
        """Execute with retries: the backend may drop idle connections."""
        for attempt in range(self._retries + 1):
            try:
                return await self._conn.aexecute(statement, params)
            except ClosedError:
                if attempt == self._retries:
                    raise
                await asyncio.sleep(self._retry_delay * (attempt + 1))
                await self._conn.aopen()
        raise AssertionError("unreachable")

    async def aadd_items(self, items: List[Dict[str, Any]]) -> List[str]:
        """Store items and return their new ids, in order."""
        ids: List[str] = []
        async with self._lock:
            for item in items:
                item_id = f"$prefix-{self._next_id}"
                self._next_id += 1
                await self._execute_with_retry("INSERT", {**item, "id": item_id})
                ids.append(item_id)
        return ids

    async def aget(self, item_id: str) -> Optional[Dict[str, Any]]:
        """The stored item, or None when there is no such id."""
        async for row in self._conn.afetch_rows():
            if row["id"] == item_id:
                return row
        return None

    async def acount(self) -> int:
        """How many items are stored."""
        return len([row async for row in self._conn.afetch_rows()])

    async def adelete(self, ids: List[str]) -> int:
        """Delete items by id; returns how many existed."""
        deleted = 0
        for item_id in ids:
            deleted += await self._execute_with_retry("DELETE", {"id": item_id})
        return deleted

    async def astream_items(self, *, limit: Optional[int] = None) -> AsyncIterator[Dict[str, Any]]:
        """Yield stored items one by one, at most ``limit`` of them."""
        count = 0
        async for row in self._conn.afetch_rows():
            if limit is not None and count >= limit:
                return
            count += 1
            yield row
''')

#: Optional client methods: (name, template). Each uses only what every generator can convert.
EXTRA_METHODS: tuple[tuple[str, Template], ...] = (
    (
        "asearch",
        Template('''
    async def asearch(self, query: str, k: int = $k) -> List[${E}Row]:
        """The ``k`` items whose text best matches ``query``, best first."""
        scored: List[${E}Row] = []
        async for row in self.astream_items():
            score = _score(str(row.get("text", "")), query)
            if score > 0:
                scored.append(${E}Row.from_dict({**row, "score": score}))
        # Stable order: by score, then by id, so equal scores do not shuffle.
        scored.sort(key=lambda r: (-r.score, r.id))
        return scored[:k]
'''),
    ),
    (
        "aget_many",
        Template('''
    async def aget_many(self, ids: List[str]) -> List[Optional[Dict[str, Any]]]:
        """Look up several ids; missing ones give None at their position."""
        return [await self.aget(item_id) for item_id in ids]
'''),
    ),
    (
        "aupsert",
        Template('''
    async def aupsert(self, item_id: str, item: Dict[str, Any]) -> bool:
        """Insert or replace one item; True when it replaced an existing one."""
        existed = await self.aget(item_id) is not None
        async with self._conn.atransaction() as conn:
            if existed:
                await conn.aexecute("DELETE", {"id": item_id})
            await conn.aexecute("INSERT", {**item, "id": item_id})
        return existed
'''),
    ),
    (
        "aexport",
        Template('''
    async def aexport(self) -> Dict[str, Dict[str, Any]]:
        """Every item keyed by id, as plain dicts."""
        return {row["id"]: row async for row in self.astream_items()}
'''),
    ),
    (
        "awatch",
        Template('''
    async def awatch(
        self, interval: float = 0.0, rounds: int = $rounds
    ) -> AsyncGenerator[int, None]:
        """Yield the item count every ``interval`` seconds, ``rounds`` times."""
        for _ in range(rounds):
            yield await self.acount()
            await asyncio.sleep(interval)
'''),
    ),
    (
        "aadd_batches",
        Template('''
    async def aadd_batches(self, items: List[Dict[str, Any]], size: int = $size) -> List[str]:
        """Store items in batches of ``size``; a failed batch leaves earlier ones stored."""
        ids: List[str] = []
        for batch in _chunks(items, size):
            try:
                ids.extend(await self.aadd_items(batch))
            except ClosedError:
                logger.warning("batch of %d dropped: connection closed", len(batch))
                raise
        return ids
'''),
    ),
    (
        "ahealth",
        Template('''
    async def ahealth(self) -> bool:
        """True when the backend answers; never raises."""
        try:
            await self._conn.aexecute("SELECT", {})
        except ClosedError:
            return False
        else:
            return True
'''),
    ),
    (
        "atruncate",
        Template('''
    async def atruncate(self) -> int:
        """Delete every item; returns how many there were."""
        ids = [row["id"] async for row in self.astream_items()]
        return await self.adelete(ids)
'''),
    ),
    (
        "amerge_cursor",
        Template('''
    async def amerge_cursor(self, rows: List[Dict[str, Any]]) -> int:
        """Copy rows read through a cursor; returns how many were added."""
        added = 0
        cursor = Async${K}Cursor(rows)
        async for row in cursor:
            await self.aadd_items([{key: value for key, value in row.items() if key != "id"}])
            added += 1
        return added
'''),
    ),
    (
        "acopy_to",
        Template('''
    async def acopy_to(self, other: Async${F}Client, *, limit: int = $k) -> List[str]:
        """Copy up to ``limit`` items into another client; returns their new ids."""
        items = [row async for row in self.astream_items(limit=limit)]
        return await other.aadd_items([{"text": row.get("text", "")} for row in items])
'''),
    ),
    (
        "alatest",
        Template('''
    async def alatest(self) -> Optional[${E}Row]:
        """The most recently added item, or None on an empty store."""
        last: Optional[Dict[str, Any]] = None
        async for row in self.astream_items():
            last = row
        return ${E}Row.from_dict(last) if last is not None else None
'''),
    ),
    (
        "awith_pool",
        Template('''
    async def awith_pool(self, pool: Async${P}Pool) -> int:
        """Count the items of this client using a connection borrowed from ``pool``."""
        async with pool.aconnection() as conn:
            await conn.aexecute("SELECT", {"dsn": "pool"})
        return await self.acount()
'''),
    ),
)

HELPERS = Template('''

def _score(text: str, query: str) -> float:
    """Share of the query words found in text: a stand-in for vector similarity."""
    words = query.lower().split()
    if not words:
        return 0.0
    found = sum(1 for word in words if word in text.lower())
    return found / len(words)


def _chunks(items: List[Dict[str, Any]], size: int) -> List[List[Dict[str, Any]]]:
    """Split items into lists of at most ``size``."""
    if size <= 0:
        raise ValueError(f"batch size must be positive, got {size}")
    return [items[i : i + size] for i in range(0, len(items), size)]
''')

SYNC_HELPERS: tuple[Template, ...] = (
    Template('''

def normalize_$snake(values: List[float]) -> List[float]:
    """Scale values to unit length; the zero vector stays zero."""
    norm = sum(v * v for v in values) ** 0.5
    if norm == 0:
        return list(values)
    return [v / norm for v in values]
'''),
    Template('''

def ${snake}_filter(rows: List[Dict[str, Any]], **equals: Any) -> List[Dict[str, Any]]:
    """Rows whose fields equal every keyword given."""
    selected = []
    for row in rows:
        if all(row.get(key) == value for key, value in equals.items()):
            selected.append(row)
    return selected
'''),
    Template('''

def ${snake}_summary(rows: List[Dict[str, Any]]) -> Dict[str, int]:
    """Count rows per tag, tags in sorted order."""
    counts: Dict[str, int] = {}
    for row in rows:
        for tag in row.get("tags", []):
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items()))
'''),
)

FUNCTIONS = Template('''

async def aopen_${snake}(dsn: str = "memory://$snake") -> Async${E}Client:
    """Open a client and check it answers before handing it out."""
    client = Async${E}Client(dsn)
    await client.__aenter__()
    if not await client.ahealth_check():
        await client.aclose()
        raise ClosedError(f"{dsn} does not answer")
    return client


async def amigrate_$snake(source: Async${E}Client, target: Async${E}Client) -> AsyncIterator[str]:
    """Copy every item from source to target, yielding the new ids as they are written."""
    async for row in source.astream_items():
        for new_id in await target.aadd_items([{"text": row.get("text", "")}]):
            yield new_id
''')

HEALTH_CHECK = '''
    async def ahealth_check(self) -> bool:
        """True when the client's connection can run a statement."""
        try:
            return await self._conn.aexecute("SELECT", {}) >= 0
        except ClosedError:
            return False
'''

COMMENT_LINES = (
    "# The backend keeps rows in insertion order; callers rely on it for pagination.",
    "# Retries are cheap here, but a real network round trip is not: keep them bounded.",
    "# Do not hold the lock across user callbacks: they may call back into the client.",
    "# Ids are strings on purpose: some backends hand out UUIDs, others integers.",
    "# The statement log is kept for debugging only and is cleared on close.",
    "# Everything below is shared by the async client and its generated sync twin.",
)


@dataclass
class ModulePlan:
    """What one generated module defines and imports."""

    sub: str
    name: str
    entity: str
    has_connection: bool
    has_cursor: bool
    has_pool: bool
    connection_from: ModulePlan | None = None
    cursor_from: ModulePlan | None = None
    pool_from: ModulePlan | None = None
    peer: ModulePlan | None = None
    extras: list[str] = field(default_factory=list)

    @property
    def dotted(self) -> str:
        return f"{self.sub}.{self.name}"


def relative(importer: ModulePlan, target: ModulePlan) -> str:
    """The relative module path from one generated module to another."""
    if importer.sub == target.sub:
        return f".{target.name}"
    return f"..{target.sub}.{target.name}"


def plan_modules(rng: random.Random, count: int) -> list[ModulePlan]:
    """Decide every module's contents; modules import only modules planned before them."""
    pairs = [(a, n) for a in ADJECTIVES for n in NOUNS]
    rng.shuffle(pairs)
    plans: list[ModulePlan] = []
    for index in range(count):
        adjective, noun = pairs[index % len(pairs)]
        name = f"{adjective}_{noun}" if index < len(pairs) else f"{adjective}_{noun}_{index}"
        plan = ModulePlan(
            sub=SUBPACKAGES[index % len(SUBPACKAGES)],
            name=name,
            entity=camel(name),
            has_connection=index == 0 or rng.random() < 0.6,
            has_cursor=rng.random() < 0.45,
            has_pool=rng.random() < 0.3,
        )
        earlier_connections = [p for p in plans if p.has_connection]
        if not plan.has_connection:
            plan.connection_from = rng.choice(earlier_connections)
        if plan.has_pool and not plan.has_connection:
            plan.has_pool = False
        available = [name for name, _ in EXTRA_METHODS]
        cursors = [p for p in plans if p.has_cursor]
        pools = [p for p in plans if p.has_pool]
        if not plan.has_cursor and not cursors:
            available.remove("amerge_cursor")
        if not plans:
            available.remove("acopy_to")
        if not plan.has_pool and not pools:
            available.remove("awith_pool")
        plan.extras = sorted(rng.sample(available, rng.randint(5, len(available))))
        if "amerge_cursor" in plan.extras and not plan.has_cursor:
            plan.cursor_from = rng.choice(cursors)
        if "acopy_to" in plan.extras:
            plan.peer = rng.choice(plans)
        if "awith_pool" in plan.extras and not plan.has_pool:
            plan.pool_from = rng.choice(pools)
        plans.append(plan)
    return plans


def sentence(rng: random.Random) -> str:
    """A made-up sentence for a module docstring."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."


def render_module(plan: ModulePlan, rng: random.Random) -> str:
    """The source text of one async module."""
    e = plan.entity
    words = plan.name.replace("_", " ")
    values = {
        "E": e,
        "snake": plan.name,
        "words": words,
        "title": words.capitalize(),
        "summary": sentence(rng),
        "timeout": f"{rng.choice((1, 2, 5, 10, 30))}.0",
        "batch": str(rng.choice((16, 32, 64, 128))),
        "size": str(rng.choice((2, 4, 8, 16))),
        "retries": str(rng.randint(1, 4)),
        "start": str(rng.randint(1, 1000)),
        "prefix": plan.name.split("_")[0][:3] + str(rng.randint(10, 99)),
        "k": str(rng.choice((3, 4, 5, 10))),
        "rounds": str(rng.randint(2, 5)),
        "C": plan.connection_from.entity if plan.connection_from else e,
        "K": plan.cursor_from.entity if plan.cursor_from else e,
        "F": plan.peer.entity if plan.peer else e,
        "P": plan.pool_from.entity if plan.pool_from else e,
    }
    parts = [HEADER.substitute(values)]
    imports: dict[str, list[str]] = {}
    type_only: dict[str, list[str]] = {}
    if plan.connection_from:
        imports.setdefault(relative(plan, plan.connection_from), []).append(
            f"Async{plan.connection_from.entity}Connection"
        )
    if plan.cursor_from:
        imports.setdefault(relative(plan, plan.cursor_from), []).append(f"Async{plan.cursor_from.entity}Cursor")
    if plan.peer and plan.peer is not plan:
        type_only.setdefault(relative(plan, plan.peer), []).append(f"Async{plan.peer.entity}Client")
    if plan.pool_from:
        type_only.setdefault(relative(plan, plan.pool_from), []).append(f"Async{plan.pool_from.entity}Pool")
    for module in sorted(imports, key=lambda m: (m.count("."), m), reverse=True):
        parts.append(f"from {module} import {', '.join(sorted(imports[module]))}\n")
    if type_only:
        parts.append("\nif TYPE_CHECKING:\n")
        for module in sorted(type_only, key=lambda m: (m.count("."), m), reverse=True):
            parts.append(f"    from {module} import {', '.join(sorted(type_only[module]))}\n")
    public = [f"Async{e}Client", f"{e}Row", f"aopen_{plan.name}", f"amigrate_{plan.name}"]
    if plan.has_connection:
        public.append(f"Async{e}Connection")
    if plan.has_cursor:
        public.append(f"Async{e}Cursor")
    if plan.has_pool:
        public.append(f"Async{e}Pool")
    parts.append("\n__all__ = [\n")
    parts.extend(f'    "{name}",\n' for name in sorted(public))
    parts.append("]\n\nlogger = logging.getLogger(__name__)\n")
    parts.append(f"\n{rng.choice(COMMENT_LINES)}\n_PAUSE = 0.0\n")
    parts.append(ROW.substitute(values))
    if plan.has_connection:
        parts.append(CONNECTION.substitute(values))
    if plan.has_cursor:
        parts.append(CURSOR.substitute(values))
    if plan.has_pool:
        parts.append(POOL.substitute(values))
    parts.append(CLIENT.substitute(values))
    extras = dict(EXTRA_METHODS)
    for name in plan.extras:
        if rng.random() < 0.3:
            parts.append(f"\n    {rng.choice(COMMENT_LINES)}")
        parts.append(extras[name].substitute(values))
    parts.append(HEALTH_CHECK)
    parts.append(HELPERS.substitute(values))
    for helper in rng.sample(SYNC_HELPERS, rng.randint(1, len(SYNC_HELPERS))):
        parts.append(helper.substitute(values))
    parts.append(FUNCTIONS.substitute(values))
    return "".join(parts)


ERRORS = '''"""Errors shared by the async and sync halves of benchpkg."""


class ClosedError(RuntimeError):
    """The connection or client is closed."""


class NotFoundError(KeyError):
    """No row under that key."""
'''


def rename_table(plans: list[ModulePlan]) -> dict[str, str]:
    """Every project name the sync twin spells differently: the table unasync and unasyncd need."""
    names = set(CORE_METHODS) | {name for name, _ in EXTRA_METHODS} | {"ahealth_check"}
    table = {name: name[1:] for name in names}
    for plan in plans:
        table[f"aopen_{plan.name}"] = f"open_{plan.name}"
        table[f"amigrate_{plan.name}"] = f"migrate_{plan.name}"
        for kind, present in (
            ("Client", True),
            ("Connection", plan.has_connection),
            ("Cursor", plan.has_cursor),
            ("Pool", plan.has_pool),
        ):
            if present:
                table[f"Async{plan.entity}{kind}"] = f"{plan.entity}{kind}"
    return dict(sorted(table.items()))


def toml_string(value: str) -> str:
    """A TOML basic string (our names need no escapes beyond quotes and backslashes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pyproject(table: dict[str, str]) -> str:
    """[tool.unawait] for the tree; [tool.unasyncd] with the equivalent explicit rename table."""
    lines = [
        "# Written by bench/make_tree.py: the configuration of every generator for this tree.",
        "",
        "[tool.unawait]",
        "# unawait's conventions rename the project's Async* classes and a-prefixed async",
        "# functions by themselves; no table is needed.",
        f'trees = [{{ src = "{ASYNC_DIR}", dest = "{SYNC_DIR}" }}]',
        "",
        "[tool.unasyncd]",
        f'files = {{ "{ASYNC_DIR}" = "{UNASYNCD_DIR}" }}',
        "transform_docstrings = true",
        "add_editors_note = true",
        "",
        "[tool.unasyncd.add_replacements]",
    ]
    lines.extend(f"{old} = {toml_string(new)}" for old, new in table.items())
    return "\n".join(lines) + "\n"


def write_tree(root: Path, *, seed: int = 20260, min_lines: int = 50_000) -> dict[str, object]:
    """(Re)write the tree under root and return its manifest (also written to root/tree.json)."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    src = root / ASYNC_DIR
    modules: dict[str, str] = {}
    total = 0
    count = 0
    plans: list[ModulePlan] = []
    # Plan one module more at a time until the tree is big enough; planning is deterministic.
    while total < min_lines:
        count += max(8, (min_lines - total) // 330)
        rng = random.Random(seed)
        plans = plan_modules(rng, count)
        modules = {f"{p.sub}/{p.name}.py": render_module(p, rng) for p in plans}
        total = sum(text.count("\n") for text in modules.values())
    for sub in SUBPACKAGES:
        modules[f"{sub}/__init__.py"] = f'"""The {sub} of benchpkg, async side."""\n'
    exports = [(p, f"Async{p.entity}Client") for p in plans]
    init = ['"""benchpkg\'s async API: every client of the tree."""\n\n']
    init.extend(f"from .{p.sub}.{p.name} import {name}\n" for p, name in exports)
    init.append("\n__all__ = [\n")
    init.extend(f'    "{name}",\n' for _, name in sorted(exports, key=lambda e: e[1]))
    init.append("]\n")
    modules["__init__.py"] = "".join(init)
    for relpath, text in modules.items():
        path = src / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    package = root / "src" / PACKAGE
    (package / "__init__.py").write_text('"""Benchmark package."""\n', encoding="utf-8")
    (package / "errors.py").write_text(ERRORS, encoding="utf-8")
    table = rename_table(plans)
    (root / "pyproject.toml").write_text(pyproject(table), encoding="utf-8")
    biggest = max(plans, key=lambda p: modules[f"{p.sub}/{p.name}.py"].count("\n"))
    manifest: dict[str, object] = {
        "seed": seed,
        "files": len(modules),
        "lines": sum(text.count("\n") for text in modules.values()),
        "async_dir": ASYNC_DIR,
        "sync_dir": SYNC_DIR,
        "unasync_dir": UNASYNC_DIR,
        "unasyncd_dir": UNASYNCD_DIR,
        "renames": table,
        "clients": [[f"{p.sub}.{p.name}", f"Async{p.entity}Client"] for p in plans],
        "edit_file": f"{biggest.sub}/{biggest.name}.py",
    }
    (root / "tree.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    """Command line: make_tree.py DEST [--seed N] [--lines N]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path, help="folder to (re)create")
    parser.add_argument("--seed", type=int, default=20260)
    parser.add_argument("--lines", type=int, default=50_000, help="minimum total lines")
    args = parser.parse_args()
    manifest = write_tree(args.dest, seed=args.seed, min_lines=args.lines)
    print(f"{args.dest}: {manifest['files']} files, {manifest['lines']} lines")


if __name__ == "__main__":
    main()
