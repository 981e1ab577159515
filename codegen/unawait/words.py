"""Is it a word? English from pyspellchecker's dictionary, Python's own vocabulary; loaded once, on first use."""

from __future__ import annotations

import builtins
import keyword
import re
import types
from functools import cache, lru_cache

#: A key of the dictionary's JSON object: {"word": frequency, ...}. Only lowercase ASCII words
#: matter here (identifiers are split into lowercase words before they are looked up).
_KEY = re.compile(rb'"([a-z]+)":')

#: Builtin types whose methods are everyday programming words (`append`, `startswith`, `__init__`).
_TYPES = (object, str, bytes, bytearray, list, tuple, dict, set, frozenset, int, float, complex)
#: Accessor dunders (`__getstate__`, `__setformat__`) are compounds, not words, and the ones that
#: came or went between Python 3.9 and 3.13 are all of this kind: leaving them out keeps the set
#: the same on every supported version.
_ACCESSOR = re.compile(r"(get|set|del)[a-z]")


class _Dictionary:
    """Membership in a JSON object of sorted keys, by binary search over its bytes.

    pyspellchecker ships its English dictionary as one gzipped JSON object with sorted keys.
    Decompressing it takes a few hundredths of a second; building a set of its 160,000 keys
    would take ten times as long, for the few dozen words a run looks up. If the keys are not
    sorted (another layout in some future version), a set is built after all.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.words: frozenset[bytes] | None = None
        step = max(len(data) // 64, 1)
        sample = [self._key_at(i) for i in range(0, len(data), step)]
        keys = [k for k in sample if k is not None]
        if len(keys) < 32 or keys != sorted(keys):
            self.words = frozenset(_KEY.findall(data))

    def _key_at(self, offset: int) -> bytes | None:
        """The first key that starts at or after offset (a key is `"word":`)."""
        found = _KEY.search(self.data, offset)
        return found.group(1) if found else None

    def __contains__(self, word: str) -> bool:
        if self.words is not None:
            return word.encode() in self.words
        target = word.encode()
        lo, hi = 0, len(self.data)
        while lo < hi:  # the last offset whose next key is < target, then look at that key
            mid = (lo + hi) // 2
            found = _KEY.search(self.data, mid)
            if found is None or found.group(1) >= target:
                hi = mid
            else:
                lo = mid + 1
        found = _KEY.search(self.data, lo)
        return found is not None and found.group(1) == target


@cache
def english() -> _Dictionary:
    """The lowercase words of pyspellchecker's English frequency dictionary (about 130,000)."""
    # Imported here: most runs and every `import unawait` never need the dictionary.
    import gzip
    import importlib.util
    import os

    spec = importlib.util.find_spec("spellchecker")  # locate it without importing the checker
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("unawait needs the 'pyspellchecker' package for its word list: pip install pyspellchecker")
    path = os.path.join(list(spec.submodule_search_locations)[0], "resources", "en.json.gz")
    with gzip.open(path) as f:
        return _Dictionary(f.read())


@cache
def python() -> frozenset[str]:
    """Python's own words: keywords, builtin functions and types, methods and dunders of builtin types.

    The same set on every supported version: `aiter` and `anext` (new in 3.10) are left out, as
    every builtin that is itself an a-prefixed twin of another builtin would be.
    """
    words = {w for w in keyword.kwlist if w.isalpha()}
    names = {
        name
        for name, value in vars(builtins).items()
        if name.isalpha() and name.islower() and isinstance(value, (type, types.BuiltinFunctionType))
    }
    names -= {name for name in names if name.startswith("a") and name[1:] in names}
    words |= names
    for kind in _TYPES:
        for name in dir(kind):
            if name.isalpha() and name.islower():
                words.add(name)
            elif name.startswith("__") and name.endswith("__") and name[2:-2].isalpha():
                if not _ACCESSOR.match(name[2:-2]):
                    words.add(name[2:-2])
    return frozenset(words)


@lru_cache(maxsize=4096)
def is_word(word: str) -> bool:
    """Whether a lowercase word is an English or a Python word."""
    return word in python() or word in english()
