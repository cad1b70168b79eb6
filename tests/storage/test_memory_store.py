"""The in-memory reference backend: the shared contract, plus its own open/close rules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.errors import StorageError, StoreLocked
from storage.base import Store
from storage.memory import MemoryData, MemoryStore
from tests.storage.contract import Kept, Reopen, StoreContract
from tests.storage.samples import make_case


@pytest.fixture
def data() -> MemoryData:
    return MemoryData()


class TestMemoryStore(StoreContract):
    @pytest.fixture
    async def store(self, data: MemoryData) -> AsyncIterator[MemoryStore]:
        store = MemoryStore(data)
        await store.open()
        yield store
        await store.close()

    @pytest.fixture
    async def reopen(self, store: MemoryStore, data: MemoryData) -> AsyncIterator[Reopen]:
        current: list[Store] = [store]

        async def reopen() -> Store:
            await current[-1].close()
            current.append(MemoryStore(data))
            await current[-1].open()
            return current[-1]

        yield reopen
        await current[-1].close()

    @pytest.fixture
    def kept(self, data: MemoryData) -> Kept:
        async def kept() -> str:
            return repr(data)

        return kept


async def test_health_names_the_backend() -> None:
    store = MemoryStore()
    await store.open()
    assert await store.health() == {"ok": True, "backend": "memory", "cases": 0}
    await store.close()
    assert (await store.health())["ok"] is False


async def test_one_data_is_open_in_one_store_at_a_time(data: MemoryData) -> None:
    first = MemoryStore(data)
    await first.open()
    with pytest.raises(StoreLocked):
        await MemoryStore(data).open()
    await first.close()
    await first.close()  # a second close is harmless and frees nothing else
    second = MemoryStore(data)
    await second.open()
    await first.close()
    with pytest.raises(StoreLocked):
        await MemoryStore(data).open()
    await second.close()


async def test_a_closed_store_refuses_work(data: MemoryData) -> None:
    store = MemoryStore(data)
    with pytest.raises(StorageError):
        await store.create_case(make_case(1), [], [])
    await store.open()
    await store.close()
    with pytest.raises(StorageError):
        await store.get_case("C-0001")
    assert data.cases == {}
