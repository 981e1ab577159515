"""The public tuning corpus of `nox -s realworld`: pinned distributions, their trees, rename tables and Configs."""

# Every project here ships its async source and its generated sync code in the pinned PyPI
# distribution (sdist or wheel), and generates the sync half with a tool of its own. For each one:
# - `table` is the project's own rename table, as its generator script spells it (read where
#   `rules_from` says), in the form unasync and unasyncd take: the unasync/unasyncd columns use it;
# - `table_patterns` are the project's own pattern rules (for example "strip Async from every
#   Async[A-Z] name"), expanded into table entries over the names in the async sources, since
#   unasync and unasyncd take only exact names;
# - `config` is the [tool.unawait] a competent user writes from those settings (trees are added
#   from `trees`); the comment above each project says how each entry maps.
# No code of these projects is in this repository: the distributions are downloaded at run time.

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from unawait import Config, Tree

#: The generator rule "AsyncFoo -> Foo" (and "_AsyncFoo -> _Foo") as a pattern over source names.
ASYNC_WORD = (r"^(_?)Async(?=[A-Z])", r"\1")


@dataclass(frozen=True)
class Part:
    """One generator run inside a project: its trees (or file pairs), its rename table and Config."""

    #: (async folder, sync folder) relative to the unpacked distribution.
    trees: tuple[tuple[str, str], ...] = ()
    #: Explicit (async file, sync file) pairs, for a generator that converts a file list.
    pairs: tuple[tuple[str, str], ...] = ()
    #: File names (globs) in the trees that the project's generator does not convert.
    exclude: tuple[str, ...] = ()
    table: Mapping[str, str] = field(default_factory=dict)
    table_patterns: tuple[tuple[str, str], ...] = ()
    config: Config = field(default_factory=Config)

    def unawait_config(self, root: Path, zero: bool) -> Config:
        """The Config unawait runs with: only the trees (zero), or the project's Config with them."""
        trees = tuple(Tree(Path(s), Path(d)) for s, d in self.trees)
        base = Config() if zero else self.config
        return replace(base, trees=trees, root=root, exclude=self.exclude if not zero else ())


@dataclass(frozen=True)
class Project:
    """One pinned distribution and the generator runs it holds."""

    name: str
    version: str
    #: The distribution file as PyPI names it, and its sha256.
    filename: str
    sha256: str
    parts: tuple[Part, ...]
    #: Where the project's own generator settings were read.
    rules_from: str
    #: Tuned on: every difference must be explained in realworld.EXPLAINED.
    tuned: bool = False

    @property
    def wheel(self) -> bool:
        return self.filename.endswith(".whl")


# httpcore 1.0.9: scripts/unasync.py is not in the sdist; its SUBS table (read in the repository,
# github.com/encode/httpcore) maps, besides the async keywords and dunders unawait always converts:
#   AsyncIterator, asynccontextmanager, @pytest.mark.anyio/trio -> built-in rules
#   Async([A-Z]...) -> the Async-word convention for the project's names (packages = httpcore);
#     their pattern needs a word boundary before "Async", so an infix "Async" stays -> keep
#   aclose, aread, aiter_stream -> the a-prefix convention (httpcore defines them async)
#   handle_async_request, AutoBackend, `.._backends.auto` -> renames
#   `import trio as concurrency` -> `from tests import concurrency` -> a module rename
#   and their regexes rewrite string literals too -> rename_in_strings.
HTTPCORE = Project(
    name="httpcore",
    version="1.0.9",
    filename="httpcore-1.0.9.tar.gz",
    sha256="6e34463af53fd2ab5d807f399a9b45ea31c3dfa2276f15a2c3f00afff6e176e8",
    parts=(
        Part(
            trees=(("httpcore/_async", "httpcore/_sync"), ("tests/_async", "tests/_sync")),
            table={
                "handle_async_request": "handle_request",
                "AutoBackend": "SyncBackend",
                "aclose": "close",
                "aread": "read",
                "aiter_stream": "iter_stream",
                "anyio": "trio",
            },
            table_patterns=(ASYNC_WORD,),
            config=Config(
                renames={
                    "handle_async_request": "handle_request",
                    "AutoBackend": "SyncBackend",
                    "_backends.auto": "_backends.sync",
                    "trio": "tests.concurrency",
                },
                keep=frozenset({"_NeedsRetryAsyncNetworkStream"}),
                packages=("httpcore",),
                sort_imports=False,  # their script substitutes tokens: imports keep the async order
                rename_in_strings=True,
            ),
        ),
    ),
    rules_from="scripts/unasync.py in github.com/encode/httpcore (not shipped in the sdist)",
    tuned=True,
)

# hishel 2.0.0: scripts/unasync is in the sdist; it converts the nine files listed in its FILES
# (its SQLite storage is a hand-written twin and is not compared). Its SUBS map:
#   async keywords, AsyncIterator/AsyncIterable, __aiter__/__anext__, Awaitable[X] -> X,
#   StopAsyncIteration, @pytest.mark.anyio -> built-in rules
#   hishel's own Async* classes -> the Async-word convention (packages = hishel)
#   redis.asyncio -> redis -> the redis profile
#   anysqlite, fakeredis.aioredis, the _async_* module paths, make_async_iterator and the httpx
#     names they list (AsyncClient, aread, aclose, ...) -> renames (the httpx profile would also
#     map AsyncByteStream, which their table does not)
#   anysqlite.connect(":memory:") -> sqlite3.connect(":memory:", check_same_thread=False) -> add_keywords
#   and their regexes rewrite string literals too -> rename_in_strings.
_HISHEL_STORAGES = "hishel._core._storages"
HISHEL = Project(
    name="hishel",
    version="2.0.0",
    filename="hishel-2.0.0.tar.gz",
    sha256="f043c88acf9b476fdbf203986253cd4e27e2468a3319b43c3946a641e1cb7696",
    parts=(
        Part(
            pairs=(
                ("src/hishel/_async_rfc.py", "src/hishel/_sync_rfc.py"),
                ("src/hishel/_core/_storages/_async_base.py", "src/hishel/_core/_storages/_sync_base.py"),
                ("src/hishel/_core/_storages/_async_redis.py", "src/hishel/_core/_storages/_sync_redis.py"),
                ("src/hishel/httpx/_async.py", "src/hishel/httpx/_sync.py"),
                ("src/hishel/httpx2/_async.py", "src/hishel/httpx2/_sync.py"),
                ("tests/_core/_async/test_redis_storage.py", "tests/_core/_sync/test_redis_storage.py"),
                ("tests/_core/_async/test_sqlite_storage.py", "tests/_core/_sync/test_sqlite_storage.py"),
                ("tests/test_async_httpx.py", "tests/test_sync_httpx.py"),
                ("tests/test_async_httpx2.py", "tests/test_sync_httpx2.py"),
            ),
            table={
                "anysqlite": "sqlite3",
                "_async_base": "_sync_base",
                "_async_redis": "_sync_redis",
                "_async_sqlite": "_sync_sqlite",
                "_async_rfc": "_sync_rfc",
                "make_async_iterator": "make_sync_iterator",
                "AsyncClient": "Client",
                "AsyncBaseTransport": "BaseTransport",
                "AsyncHTTPTransport": "HTTPTransport",
                "handle_async_request": "handle_request",
                "aiter_raw": "iter_raw",
                "aread": "read",
                "aclose": "close",
            },
            table_patterns=(ASYNC_WORD,),
            config=Config(
                renames={
                    "anysqlite": "sqlite3",
                    "fakeredis.aioredis": "fakeredis",
                    f"{_HISHEL_STORAGES}._async_base": f"{_HISHEL_STORAGES}._sync_base",
                    f"{_HISHEL_STORAGES}._async_redis": f"{_HISHEL_STORAGES}._sync_redis",
                    f"{_HISHEL_STORAGES}._async_sqlite": f"{_HISHEL_STORAGES}._sync_sqlite",
                    "hishel._async_rfc": "hishel._sync_rfc",
                    "make_async_iterator": "make_sync_iterator",
                    "AsyncClient": "Client",
                    "AsyncBaseTransport": "BaseTransport",
                    "AsyncHTTPTransport": "HTTPTransport",
                    "handle_async_request": "handle_request",
                    "aiter_raw": "iter_raw",
                    "aread": "read",
                    "aclose": "close",
                },
                profiles=("redis",),
                # The httpx profile, which modules that import httpx get by themselves, would also
                # map AsyncByteStream, which their table does not.
                keep=frozenset({"AsyncByteStream"}),
                packages=("hishel",),
                sort_imports=False,  # their script substitutes tokens: imports keep the async order
                add_keywords={"anysqlite.connect": {"check_same_thread": "False"}},
                rename_in_strings=True,
            ),
        ),
    ),
    rules_from="scripts/unasync in the sdist",
    tuned=True,
)

# discogs-sdk 0.8.1 (wheel): scripts/generate_sync.py in github.com/jmfontaine/discogs-sdk, an ast
# transformer with a NAME_MAP applied to names, attributes, imports and (as substrings) to every
# string constant, `discogs_sdk._async` -> `discogs_sdk._sync` in imports, `if True:  # ASYNC`
# branches, then ruff format. Mapping: the dunders, AsyncIterator, asynccontextmanager,
# StopAsyncIteration and aclose are built in; hishel's AsyncCacheClient/AsyncSqliteStorage and
# httpx's AsyncClient are library names -> renames; the project's Async* classes whose sync name is
# not the bare rest (AsyncAPIResource -> SyncAPIResource, AsyncPage -> SyncPage) -> renames; the
# others follow the Async-word convention (packages = discogs_sdk); string substitution ->
# rename_in_strings.
DISCOGS = Project(
    name="discogs-sdk",
    version="0.8.1",
    filename="discogs_sdk-0.8.1-py3-none-any.whl",
    sha256="1eb1aaa55e06632916005b6aa87684c74714334364766c02e341ac56873a36a0",
    parts=(
        Part(
            trees=(("discogs_sdk/_async", "discogs_sdk/_sync"),),
            table={
                "aclose": "close",
                "AsyncAPIResource": "SyncAPIResource",
                "AsyncCacheClient": "SyncCacheClient",
                "AsyncSqliteStorage": "SyncSqliteStorage",
                "AsyncClient": "Client",
                "asynccontextmanager": "contextmanager",
                "AsyncDiscogs": "Discogs",
                "AsyncIterator": "Iterator",
                "AsyncLazyResource": "LazyResource",
                "AsyncPage": "SyncPage",
                "StopAsyncIteration": "StopIteration",
                "_async": "_sync",
            },
            config=Config(
                renames={
                    "AsyncAPIResource": "SyncAPIResource",
                    "AsyncCacheClient": "SyncCacheClient",
                    "AsyncSqliteStorage": "SyncSqliteStorage",
                    "AsyncClient": "Client",
                    "AsyncPage": "SyncPage",
                },
                packages=("discogs_sdk",),
                rename_in_strings=True,
                rename_in_docstrings=True,  # docstrings are string constants to their NAME_MAP too
            ),
        ),
    ),
    rules_from="scripts/generate_sync.py in github.com/jmfontaine/discogs-sdk",
)

# spotify-sdk 0.10.1 (wheel): scripts/run_unasync.py in github.com/jonathan343/spotify-sdk: unasync
# with ADDITIONAL_REPLACEMENTS (the project's Async* services and clients -> bare names,
# async_authorize_local, httpx's AsyncClient -> Client, anyio.Lock -> threading.Lock, aclose,
# _async -> _sync), then regexes for anyio.sleep -> time.sleep and @pytest.mark.anyio, ruff check
# --fix and ruff format. Mapping: project classes -> the Async-word convention (packages =
# spotify_sdk); httpx names -> the httpx profile; anyio -> the anyio profile;
# async_authorize_local -> a rename.
SPOTIFY = Project(
    name="spotify-sdk",
    version="0.10.1",
    filename="spotify_sdk-0.10.1-py3-none-any.whl",
    sha256="ac767375afeb949aab21c92fee0acf24f99bf5954657ac85906ef5082a3a6173",
    parts=(
        Part(
            trees=(("spotify_sdk/_async", "spotify_sdk/_sync"),),
            table={
                "AsyncSpotifyClient": "SpotifyClient",
                "AsyncBaseClient": "BaseClient",
                "AsyncBaseService": "BaseService",
                "AsyncAuthProvider": "AuthProvider",
                "AsyncClientCredentials": "ClientCredentials",
                "AsyncAuthorizationCode": "AuthorizationCode",
                "async_authorize_local": "authorize_local",
                "AsyncAlbumService": "AlbumService",
                "AsyncTrackService": "TrackService",
                "AsyncArtistService": "ArtistService",
                "AsyncPlaylistService": "PlaylistService",
                "AsyncShowService": "ShowService",
                "AsyncChapterService": "ChapterService",
                "AsyncAudiobookService": "AudiobookService",
                "AsyncLibraryService": "LibraryService",
                "AsyncUserService": "UserService",
                "AsyncClient": "Client",
                "anyio.Lock": "threading.Lock",
                "aclose": "close",
                "_async": "_sync",
            },
            config=Config(
                renames={"async_authorize_local": "authorize_local"},
                profiles=("httpx", "anyio"),
                packages=("spotify_sdk",),
            ),
        ),
    ),
    rules_from="scripts/run_unasync.py in github.com/jonathan343/spotify-sdk",
)

# pykalshi 2.0.0 (sdist): scripts/generate_sync.py in github.com/arshka/pykalshi, line regexes: the
# async keywords, asyncio.sleep -> time.sleep, httpx.AsyncClient -> httpx.Client, the dunders,
# aclose, `from ..afeed import AsyncFeed` -> `from ..feed import Feed`, CLASS_RENAMES (the
# project's Async* classes -> bare names), `import asyncio` -> `import time`, and it drops
# `# type: ignore[override]` comments. Mapping: CLASS_RENAMES -> the Async-word convention
# (packages = pykalshi); httpx -> the httpx profile; afeed -> feed -> a rename (it is a
# relative import, so the name, not a dotted path).
PYKALSHI = Project(
    name="pykalshi",
    version="2.0.0",
    filename="pykalshi-2.0.0.tar.gz",
    sha256="0430a7f716d630d5b55070ede30b62705840a36d933c058e4b6625be153e7e6c",
    parts=(
        Part(
            trees=(("pykalshi/_async", "pykalshi/_sync"),),
            table={
                "AsyncKalshiClient": "KalshiClient",
                "AsyncPortfolio": "Portfolio",
                "AsyncOrder": "Order",
                "AsyncMarket": "Market",
                "AsyncSeries": "Series",
                "AsyncEvent": "Event",
                "AsyncExchange": "Exchange",
                "AsyncAPIKeys": "APIKeys",
                "AsyncCommunications": "Communications",
                "AsyncMveCollection": "MveCollection",
                "AsyncRateLimiterProtocol": "RateLimiterProtocol",
                "AsyncFeed": "Feed",
                "AsyncClient": "Client",
                "aclose": "close",
                "afeed": "feed",
                "asyncio": "time",
            },
            config=Config(
                renames={"afeed": "feed"},
                profiles=("httpx",),
                packages=("pykalshi",),
                rename_in_docstrings=True,  # their regexes rewrite every line, docstrings included
            ),
        ),
    ),
    rules_from="scripts/generate_sync.py in github.com/arshka/pykalshi",
)

# typesense 2.1.1 (sdist): utils/run-unasync.py in github.com/typesense/typesense-python: unasync
# with every `class Async\w+` of the async tree -> the name without Async, aclose -> close,
# asyncio -> time, AsyncConcurrencyLimit (shared module) -> ConcurrencyLimit, and then the same
# table as plain text substitution over every generated file (strings included). Mapping: the
# Async-word convention (packages = typesense: AsyncConcurrencyLimit comes from
# typesense.concurrency_limit); asyncio.sleep is built in; text substitution -> rename_in_strings.
TYPESENSE = Project(
    name="typesense",
    version="2.1.1",
    filename="typesense-2.1.1.tar.gz",
    sha256="5d1fded865ecf9a9e564a4e6b8aa9229c34287e958dc3b16eec408376d142a42",
    parts=(
        Part(
            trees=(("src/typesense/async_", "src/typesense/sync"),),
            table={"aclose": "close", "asyncio": "time", "AsyncConcurrencyLimit": "ConcurrencyLimit"},
            table_patterns=(ASYNC_WORD,),
            config=Config(packages=("typesense",), rename_in_strings=True, rename_in_docstrings=True),
        ),
    ),
    rules_from="utils/run-unasync.py in github.com/typesense/typesense-python",
)

# neomodel 7.0.0 (sdist): bin/make-unasync in github.com/neo4j-contrib/neomodel: unasync with a
# custom rule (AsyncXyz -> Xyz, _AsyncXyz -> _Xyz, async_xyz -> xyz, names inside strings too) and
# additional replacements (adb -> db, async_ -> sync_, check_bool -> __bool__, check_nonzero ->
# __nonzero__, check_contains -> __contains__, get_item -> __getitem__, get_len -> __len__; in
# tests also mark_async_test -> mark_sync_test ...), then isort (profile black) and black.
# Mapping: the Async-word convention (packages = neomodel, test); the async_ folders -> derived
# from the trees; adb and the check_*/get_* dunders -> renames; async_iter (their async_xyz rule,
# the one name it applies to) -> a rename; names in strings -> rename_in_strings.
_NEOMODEL_RENAMES = {
    "adb": "db",
    "check_bool": "__bool__",
    "check_nonzero": "__nonzero__",
    "check_contains": "__contains__",
    "get_item": "__getitem__",
    "get_len": "__len__",
}
NEOMODEL = Project(
    name="neomodel",
    version="7.0.0",
    filename="neomodel-7.0.0.tar.gz",
    sha256="13154656283860f0a06d4b17c724540eb4bc294ba5ae711a373b763f772ad048",
    parts=(
        Part(
            trees=(("neomodel/async_", "neomodel/sync_"), ("neomodel/contrib/async_", "neomodel/contrib/sync_")),
            table={**_NEOMODEL_RENAMES, "async_": "sync_"},
            table_patterns=(ASYNC_WORD, (r"^async_(?=\w)", "")),
            config=Config(
                renames={**_NEOMODEL_RENAMES, "async_iter": "iter"},
                packages=("neomodel",),
                rename_in_strings=True,
            ),
        ),
        Part(
            trees=(("test/async_", "test/sync_"),),
            table={
                **_NEOMODEL_RENAMES,
                "async_": "sync_",
                "mark_async_test": "mark_sync_test",
                "mark_async_session_auto_fixture": "mark_sync_session_auto_fixture",
            },
            table_patterns=(ASYNC_WORD, (r"^async_(?=\w)", "")),
            config=Config(
                renames={
                    **_NEOMODEL_RENAMES,
                    "mark_async_test": "mark_sync_test",
                    "mark_async_session_auto_fixture": "mark_sync_session_auto_fixture",
                    # What one [tool.unawait] table listing all three trees derives from the package
                    # trees; this part is converted with a table of its own, so it says it.
                    "neomodel.async_": "neomodel.sync_",
                    "neomodel.contrib.async_": "neomodel.contrib.sync_",
                },
                packages=("neomodel", "test"),
                rename_in_strings=True,
            ),
        ),
    ),
    rules_from="bin/make-unasync in github.com/neo4j-contrib/neomodel",
)

# elasticsearch 9.5.1 (wheel): utils/run-unasync.py and utils/run-unasync-dsl.py in
# github.com/elastic/elasticsearch-py, three unasync rules with a table each:
#   _async/client (but utils.py): AsyncTransport -> Transport, AsyncElasticsearch -> Elasticsearch,
#     AsyncSearchClient kept, _TYPE_ASYNC_SNIFF_CALLBACK -> _TYPE_SYNC_SNIFF_CALLBACK
#   helpers/vectorstore/_async: the project's Async* classes, async_bulk -> bulk, _async -> _sync,
#     then sed deletes `import asyncio`, pytest_asyncio, @pytest.mark.asyncio; isort + black
#   dsl/_async: its Async* classes, async_connections/async_scan/async_bulk/... -> bare names,
#     asynccontextmanager; then black, isort and seds.
# Mapping: Async* project classes -> the Async-word convention (packages = elasticsearch), with
# AsyncSearchClient in keep; elastic_transport's AsyncTransport -> a rename; the async_* helper
# functions -> renames; the sniff-callback type alias -> a rename.
_ES_DSL_RENAMES = {
    "async_connections": "connections",
    "async_scan": "scan",
    "async_simulate": "simulate",
    "async_bulk": "bulk",
    "async_mock_client": "mock_client",
    "async_client": "client",
    "async_data_client": "data_client",
    "async_write_client": "write_client",
    "async_pull_request": "pull_request",
    "async_examples": "examples",
    "async_sleep": "sleep",
    "assert_awaited_once_with": "assert_called_once_with",
}
ELASTICSEARCH = Project(
    name="elasticsearch",
    version="9.5.1",
    filename="elasticsearch-9.5.1-py3-none-any.whl",
    sha256="a980d8888ae70c03f0a1db6b2c5e3e39bf4e235abea737f522d2fd1d2d20bb99",
    parts=(
        Part(
            trees=(("elasticsearch/_async/client", "elasticsearch/_sync/client"),),
            exclude=("utils.py",),
            table={
                "AsyncTransport": "Transport",
                "AsyncElasticsearch": "Elasticsearch",
                "AsyncSearchClient": "AsyncSearchClient",
                "_TYPE_ASYNC_SNIFF_CALLBACK": "_TYPE_SYNC_SNIFF_CALLBACK",
            },
            config=Config(
                renames={
                    "AsyncTransport": "Transport",
                    "_TYPE_ASYNC_SNIFF_CALLBACK": "_TYPE_SYNC_SNIFF_CALLBACK",
                },
                keep=frozenset({"AsyncSearchClient"}),
                packages=("elasticsearch",),
            ),
        ),
        Part(
            trees=(("elasticsearch/helpers/vectorstore/_async", "elasticsearch/helpers/vectorstore/_sync"),),
            table={
                "AsyncBM25": "BM25",
                "AsyncDenseVector": "DenseVector",
                "AsyncDenseVectorScriptScore": "DenseVectorScriptScore",
                "AsyncElasticsearch": "Elasticsearch",
                "AsyncElasticsearchEmbeddings": "ElasticsearchEmbeddings",
                "AsyncEmbeddingService": "EmbeddingService",
                "AsyncRetrievalStrategy": "RetrievalStrategy",
                "AsyncSparseVector": "SparseVector",
                "AsyncTransport": "Transport",
                "AsyncVectorStore": "VectorStore",
                "async_bulk": "bulk",
                "_async": "_sync",
            },
            config=Config(
                renames={"AsyncTransport": "Transport", "async_bulk": "bulk"},
                packages=("elasticsearch",),
            ),
        ),
        Part(
            trees=(("elasticsearch/dsl/_async", "elasticsearch/dsl/_sync"),),
            table={
                "_async": "_sync",
                "AsyncElasticsearch": "Elasticsearch",
                "AsyncSearch": "Search",
                "AsyncMultiSearch": "MultiSearch",
                "AsyncEmptySearch": "EmptySearch",
                "AsyncDocument": "Document",
                "AsyncIndexMeta": "IndexMeta",
                "AsyncIndexTemplate": "IndexTemplate",
                "AsyncIndex": "Index",
                "AsyncComposableIndexTemplate": "ComposableIndexTemplate",
                "AsyncUpdateByQuery": "UpdateByQuery",
                "AsyncMapping": "Mapping",
                "AsyncFacetedSearch": "FacetedSearch",
                "AsyncUsingType": "UsingType",
                **_ES_DSL_RENAMES,
                "asynccontextmanager": "contextmanager",
            },
            config=Config(renames=dict(_ES_DSL_RENAMES), packages=("elasticsearch",)),
        ),
    ),
    rules_from="utils/run-unasync.py and utils/run-unasync-dsl.py in github.com/elastic/elasticsearch-py",
)

# pymongo 4.20.1 (sdist): tools/synchro.py in the sdist: unasync with its `replacements` table
# (the project's Async* classes, async_* helpers, asynchronous -> synchronous, anext/aiter,
# aclosing, _ALock/_ACondition, ...), then line edits: `_IS_SYNC = False` -> True, Coroutine[..,
# .., T] / Awaitable[T] -> T, asyncio.sleep -> time.sleep (sleep(0) lines dropped), and docstring
# rewrites. The package trees are compared (its test tree converts a listed subset). Mapping: the
# Async* classes -> the Async-word convention (packages = pymongo, gridfs); the other entries of
# their table that are names -> renames (`asynchronous` as a module path part -> derived from the
# trees; the test-only names are left out, as a user would for the package trees).
_PYMONGO_RENAMES = {
    "_AsyncBulk": "_Bulk",
    "_AsyncClientBulk": "_ClientBulk",
    "async_command": "command",
    "async_receive_message": "receive_message",
    "async_receive_data": "receive_data",
    "async_sendall": "sendall",
    "async_socket_sendall": "sendall",
    "anext": "next",
    "aiter": "iter",
    "_ALock": "_Lock",
    "_ACondition": "_Condition",
    "_AsyncGridOutChunkIterator": "GridOutChunkIterator",
    "_a_grid_in_property": "_grid_in_property",
    "_a_grid_out_property": "_grid_out_property",
    "AsyncContextManager": "ContextManager",
    "aclosing": "closing",
    "aconnect": "_connect",
    "default_async": "default",
    "pymongo_server_monitor_task": "pymongo_server_monitor_thread",
    "pymongo_server_rtt_task": "pymongo_server_rtt_thread",
    "_async_create_lock": "_create_lock",
    "_async_create_condition": "_create_condition",
    "_async_cond_wait": "_cond_wait",
    "_configured_protocol_interface": "_configured_socket_interface",
    "_async_configured_socket": "_configured_socket",
    "create_async_event": "create_event",
    "_async_create_connection": "_create_connection",
    "dns.asyncresolver": "dns.resolver",
}
PYMONGO = Project(
    name="pymongo",
    version="4.20.1",
    filename="pymongo-4.20.1.tar.gz",
    sha256="1ac112b3ffa3d010cfc2fc54e3ae677a12c63d18c6115db4451df64f1a1175eb",
    parts=(
        Part(
            trees=(("pymongo/asynchronous", "pymongo/synchronous"), ("gridfs/asynchronous", "gridfs/synchronous")),
            table={
                **{k: v for k, v in _PYMONGO_RENAMES.items() if "." not in k},
                "asynchronous": "synchronous",
                "Asynchronous": "Synchronous",
                "asyncresolver": "resolver",
                "StopAsyncIteration": "StopIteration",
            },
            table_patterns=(ASYNC_WORD,),
            # synchro flips `_IS_SYNC = False` to True: the same flag, pruned before refusing.
            config=Config(renames=dict(_PYMONGO_RENAMES), packages=("pymongo", "gridfs"), flags={"_IS_SYNC": True}),
        ),
    ),
    rules_from="tools/synchro.py in the sdist",
)

PROJECTS = (HTTPCORE, HISHEL, DISCOGS, SPOTIFY, PYKALSHI, TYPESENSE, NEOMODEL, ELASTICSEARCH, PYMONGO)
