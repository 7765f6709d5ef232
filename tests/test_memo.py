"""The memo caches' one policy: store, and empty the cache first when it is full."""

from __future__ import annotations

from mathdrill.memo import remember


def test_remember_stores_and_returns_the_value():
    cache: dict[str, int] = {}
    assert remember(cache, "a", 1, size=3) == 1
    assert cache == {"a": 1}


def test_a_full_cache_is_emptied_before_the_new_entry():
    cache = {"a": 1, "b": 2}
    remember(cache, "c", 3, size=2)
    assert cache == {"c": 3}
    remember(cache, "d", 4, size=2)
    assert cache == {"c": 3, "d": 4}
