"""Rename tables as data: the built-in rules, library profiles, module moves and refused APIs."""

from __future__ import annotations

from typing import Mapping

#: Plain-name renames that are always on: names distinctive enough to mean one thing.
#: (Generic words such as `sleep` or `Lock` are module-qualified: see MODULE_MOVES.)
BUILTIN: Mapping[str, Mapping[str, str]] = {
    "dunders": {
        "__aenter__": "__enter__",
        "__aexit__": "__exit__",
        "__aiter__": "__iter__",
        "__anext__": "__next__",
        "StopAsyncIteration": "StopIteration",
        "anext": "next",
        "aiter": "iter",
    },
    "typing": {
        "AsyncIterator": "Iterator",
        "AsyncIterable": "Iterable",
        "AsyncGenerator": "Generator",
        "AsyncContextManager": "ContextManager",
        "AbstractAsyncContextManager": "AbstractContextManager",
    },
    "contextlib": {
        "asynccontextmanager": "contextmanager",
        "AsyncExitStack": "ExitStack",
        "aclosing": "closing",
        "enter_async_context": "enter_context",
        "push_async_exit": "push",
        "push_async_callback": "callback",
    },
    "unittest": {
        "IsolatedAsyncioTestCase": "TestCase",
        "asyncSetUp": "setUp",
        "asyncTearDown": "tearDown",
        "addAsyncCleanup": "addCleanup",
        "enterAsyncContext": "enterContext",
        "AsyncMock": "MagicMock",
        "assert_awaited": "assert_called",
        "assert_awaited_once": "assert_called_once",
        "assert_awaited_with": "assert_called_with",
        "assert_awaited_once_with": "assert_called_once_with",
        "assert_any_await": "assert_any_call",
        "assert_has_awaits": "assert_has_calls",
        "assert_not_awaited": "assert_not_called",
        "await_count": "call_count",
        "await_args": "call_args",
        "await_args_list": "call_args_list",
    },
}

#: Opt-in library profiles, named in [tool.unawait] profiles = [...].
PROFILES: Mapping[str, Mapping[str, str]] = {
    "httpx": {
        "AsyncClient": "Client",
        "AsyncBaseTransport": "BaseTransport",
        "AsyncHTTPTransport": "HTTPTransport",
        "AsyncByteStream": "SyncByteStream",
        "aiter_bytes": "iter_bytes",
        "aiter_lines": "iter_lines",
        "aiter_text": "iter_text",
        "aiter_raw": "iter_raw",
        "aread": "read",
        "aclose": "close",
        "handle_async_request": "handle_request",  # the transport API
    },
    "psycopg": {
        "AsyncConnection": "Connection",
        "AsyncCursor": "Cursor",
        "AsyncServerCursor": "ServerCursor",
        "AsyncClientCursor": "ClientCursor",
        "AsyncRawCursor": "RawCursor",
        "AsyncPipeline": "Pipeline",
        "AsyncTransaction": "Transaction",
        "AsyncCopy": "Copy",
        "AsyncConnectionPool": "ConnectionPool",
        "AsyncNullConnectionPool": "NullConnectionPool",
        "AsyncRowFactory": "RowFactory",
        "AsyncCrdbConnection": "CrdbConnection",
    },
    # A module rename: `from redis.asyncio import Redis` -> `from redis import Redis`, never a lone `asyncio`.
    "redis": {"redis.asyncio": "redis"},
    # redis-py's test double: its async fake lives in a submodule.
    "fakeredis": {"fakeredis.aioredis": "fakeredis"},
    "langchain": {
        "ainvoke": "invoke",
        "abatch": "batch",
        "astream": "stream",
        "aembed_documents": "embed_documents",
        "aembed_query": "embed_query",
        "aget_relevant_documents": "get_relevant_documents",
        "asimilarity_search": "similarity_search",
        "aadd_texts": "add_texts",
        "aadd_documents": "add_documents",
        "astream_events": "stream_events",
        "atransform": "transform",
        "asimilarity_search_with_score": "similarity_search_with_score",
        "amax_marginal_relevance_search": "max_marginal_relevance_search",
        "adelete": "delete",
        "aget_by_ids": "get_by_ids",
    },
    "anyio": {},  # anyio's names are module-qualified: see MODULE_MOVES_BY_PROFILE
    # The official Neo4j driver (5.x): every async class beside its sync twin in `neo4j`.
    "neo4j": {
        "AsyncGraphDatabase": "GraphDatabase",
        "AsyncDriver": "Driver",
        "AsyncBoltDriver": "BoltDriver",
        "AsyncNeo4jDriver": "Neo4jDriver",
        "AsyncSession": "Session",
        "AsyncTransaction": "Transaction",
        "AsyncManagedTransaction": "ManagedTransaction",
        "AsyncResult": "Result",
        "AsyncBookmarkManager": "BookmarkManager",
    },
}

#: Top-level modules whose import at module level switches a profile on for that module; a module
#: counts when its top-level name is one of these or starts with one and "_" (`langchain_core`,
#: `psycopg_pool`), never for a look-alike (`httpx2`).
PROFILE_IMPORTS: Mapping[str, tuple[str, ...]] = {
    "anyio": ("anyio",),
    "httpx": ("httpx",),
    "psycopg": ("psycopg",),
    "redis": ("redis",),
    "fakeredis": ("fakeredis",),
    "langchain": ("langchain",),
    "neo4j": ("neo4j",),
}

#: Moves to another module: (module, name) -> (module, name). `asyncio.sleep` -> `time.sleep`.
#: ("builtins", X) means the sync name needs no import. Same-module renames are in BUILTIN.
MODULE_MOVES: Mapping[tuple[str, str], tuple[str, str]] = {
    ("asyncio", "sleep"): ("time", "sleep"),
    ("asyncio", "Lock"): ("threading", "Lock"),
    ("asyncio", "Event"): ("threading", "Event"),
    ("asyncio", "Semaphore"): ("threading", "Semaphore"),
    ("asyncio", "BoundedSemaphore"): ("threading", "BoundedSemaphore"),
    ("asyncio", "Condition"): ("threading", "Condition"),
    ("asyncio", "Queue"): ("queue", "Queue"),
    ("asyncio", "LifoQueue"): ("queue", "LifoQueue"),
    ("asyncio", "PriorityQueue"): ("queue", "PriorityQueue"),
    ("asyncio", "QueueEmpty"): ("queue", "Empty"),
    ("asyncio", "QueueFull"): ("queue", "Full"),
    ("asyncio", "TimeoutError"): ("builtins", "TimeoutError"),
    ("pytest_asyncio", "fixture"): ("pytest", "fixture"),
}

MODULE_MOVES_BY_PROFILE: Mapping[str, Mapping[tuple[str, str], tuple[str, str]]] = {
    "anyio": {
        ("anyio", "sleep"): ("time", "sleep"),
        ("anyio", "Lock"): ("threading", "Lock"),
        ("anyio", "Event"): ("threading", "Event"),
        ("anyio", "Semaphore"): ("threading", "Semaphore"),
        ("anyio", "Condition"): ("threading", "Condition"),
        ("anyio", "Path"): ("pathlib", "Path"),
    },
}

#: Async-only APIs with no sync meaning: using one in generated code is an error, with this hint.
REFUSED: Mapping[tuple[str, str], str] = {
    (mod, name): hint
    for mod in ("asyncio", "anyio")
    for name, hint in {
        "gather": "run the awaitables one after another, or keep this code in an `if True:  # ASYNC` branch",
        "create_task": "concurrency has no sync twin: move it under `if True:  # ASYNC` or into a hand-written twin",
        "ensure_future": "concurrency has no sync twin: move it under `if True:  # ASYNC` or into a hand-written twin",
        "wait_for": "put the timeout in the driver call, or use `if True:  # ASYNC` with a sync else-branch",
        "wait": "concurrency has no sync twin: use `if True:  # ASYNC` with a sync else-branch",
        "as_completed": "concurrency has no sync twin: use `if True:  # ASYNC` with a sync else-branch",
        "shield": "cancellation has no sync twin: use `if True:  # ASYNC` with a sync else-branch",
        "timeout": "use `if True:  # ASYNC` with a sync else-branch that passes a timeout to the driver",
        "get_running_loop": "event loops have no sync twin: keep loop code in a hand-written twin module",
        "get_event_loop": "event loops have no sync twin: keep loop code in a hand-written twin module",
        "new_event_loop": "event loops have no sync twin: keep loop code in a hand-written twin module",
        "run_coroutine_threadsafe": "event loops have no sync twin: keep loop code in a hand-written twin module",
        "TaskGroup": "concurrency has no sync twin: use `if True:  # ASYNC` with a sync else-branch",
        "create_task_group": "concurrency has no sync twin: use `if True:  # ASYNC` with a sync else-branch",
        "fail_after": "cancel scopes need an event loop: use `if True:  # ASYNC` with a sync else-branch that passes a timeout",
        "move_on_after": "cancel scopes need an event loop: use `if True:  # ASYNC` with a sync else-branch that passes a timeout",
        "CancelScope": "cancel scopes need an event loop: use `if True:  # ASYNC` with a sync else-branch",
    }.items()
}

#: Attribute names refused on any object (they only exist on event loops and futures).
REFUSED_ATTRIBUTES: Mapping[str, str] = {
    "run_in_executor": "call the function directly in sync code; keep this in an `if True:  # ASYNC` branch",
    "run_until_complete": "event loops have no sync twin: keep loop code in a hand-written twin module",
    "__await__": "awaitable objects have no sync twin: keep this class in a hand-written twin module",
}

#: Markers, documented in README: an async-only branch, and a statement dropped from sync output.
ASYNC_BRANCH_MARKER = "# ASYNC"
DROP_MARKER = "# unawait: async-only"
#: At the end of a line: the line stays exactly as written (nothing renamed, refused or removed).
KEEP_MARKER = "# unawait: keep"
