"""A group's GET from cached bytes: never stale, never to the wrong caller."""
from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from backend.db.read_cache import CachedGroup, ReadCache
from tests.server import RunningServer


def warm(client: httpx.Client, group_id: int) -> httpx.Response:
    client.get(f"/response-groups/{group_id}")
    return client.get(f"/response-groups/{group_id}")


def test_if_none_match_answers_304_and_a_changed_group_200(server: RunningServer, admin: httpx.Client) -> None:
    first = warm(admin, 1)
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}'):
        cached = admin.get("/response-groups/1", headers={"If-None-Match": header})
        assert cached.status_code == 304 and cached.headers["etag"] == etag and cached.content == b""
    assert admin.get("/response-groups/1", headers={"If-None-Match": '"g1v999"'}).status_code == 200
    changed = admin.patch("/response-groups/1", json={"ai_info": "ny text"}, headers={"If-Match": etag})
    assert changed.status_code == 200
    after = admin.get("/response-groups/1", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] == changed.headers["etag"] != etag
    assert after.json()["ai_info"] == "ny text"
    assert after.json() == changed.json()


def test_the_cache_is_used_and_dropped_on_every_kind_of_change(server: RunningServer, admin: httpx.Client) -> None:
    cache = server.state.db.read_cache
    cache.max_age_s = 60  # a slow machine must not age the entry between two GETs
    warm(admin, 2)
    hits = cache.hits
    assert admin.get("/response-groups/2").status_code == 200
    assert cache.hits == hits + 1, "a warm GET is served from the cache"

    # Closing bumps the version and changes the status.
    etag = admin.get("/response-groups/2").headers["etag"]
    assert admin.post("/response-groups/2/close").status_code == 200
    closed = admin.get("/response-groups/2")
    assert closed.json()["status"] == "temporarily_closed" and closed.headers["etag"] != etag
    assert admin.post("/response-groups/2/reopen").status_code == 200
    assert admin.get("/response-groups/2").json()["status"] == "open"

    # A write by any other code path (here raw SQL in a session) drops it too.
    warm(admin, 2)

    async def rename() -> None:
        async with server.state.db.session() as session:
            await session.execute(text("UPDATE response_groups SET name = 'Omdöpt', version = version + 1 WHERE id = 2"))
            await session.commit()

    server.call(rename)
    assert admin.get("/response-groups/2").json()["name"] == "Omdöpt"

    # A write that is rolled back keeps the cache.
    warm(admin, 2)
    generation = cache.generation

    async def abandoned() -> None:
        async with server.state.db.session() as session:
            await session.execute(text("UPDATE response_groups SET name = 'Aldrig' WHERE id = 2"))
            await session.rollback()

    server.call(abandoned)
    assert cache.generation == generation
    assert admin.get("/response-groups/2").json()["name"] == "Omdöpt"


def test_cached_bytes_go_only_to_callers_who_may_see_the_group(server: RunningServer, admin: httpx.Client, supervisor: httpx.Client) -> None:
    mine = set(supervisor.get("/me").json()["supervises"])
    other = next(g["id"] for g in admin.get("/response-groups").json() if g["id"] not in mine)
    warm(admin, other)
    assert supervisor.get(f"/response-groups/{other}").status_code == 404
    with server.client("agent1", "agent") as agent:
        serves = {g["id"] for g in agent.get("/response-groups").json()}
        for group_id in (1, 2, 3, 4, 5, 6):
            warm(admin, group_id)
            assert agent.get(f"/response-groups/{group_id}").status_code == (200 if group_id in serves else 404)


def test_a_warm_cache_never_answers_a_bad_token(server: RunningServer, admin: httpx.Client) -> None:
    token = server.token("admin")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{server.url}/api/v1/response-groups/1"
    assert httpx.get(url, headers=headers).status_code == 200
    assert httpx.get(url, headers=headers).status_code == 200  # principal and bytes cached now
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert httpx.post(f"{server.url}/api/v1/auth/logout", headers=headers).status_code == 204
    assert httpx.get(url, headers=headers).status_code == 401
    second = server.token("admin")
    assert httpx.get(url, headers={"Authorization": f"Bearer {second}"}).status_code == 200
    server.clock.advance(server.settings.token_ttl_s + 1)
    assert httpx.get(url, headers={"Authorization": f"Bearer {second}"}).status_code == 401


def test_odd_ids_take_the_ordinary_route(admin: httpx.Client) -> None:
    warm(admin, 1)
    assert admin.get("/response-groups/0").status_code == 422
    assert admin.get("/response-groups/99999999999999999999").status_code == 422
    assert admin.get("/response-groups/4242").status_code == 404
    assert admin.get("/response-groups/01").json()["id"] == 1


def test_an_entry_built_before_a_change_is_not_stored() -> None:
    cache = ReadCache()
    entry = CachedGroup(org_id=1, status="open", etag='"g1v1"', body=b"{}")
    generation = cache.generation
    cache.clear()  # a commit changed groups while the entry was being built
    cache.put(1, generation, entry)
    assert cache.get(1, "open") is None
    cache.put(1, cache.generation, entry)
    assert cache.get(1, "open") is entry
    assert cache.get(1, "closed_schedule") is None, "the live status is part of the entry"


def test_an_old_entry_is_rebuilt(monkeypatch) -> None:  # noqa: ANN001
    """Another server process's change is seen within max_age_s."""
    cache = ReadCache(max_age_s=1.0)
    entry = CachedGroup(org_id=1, status="open", etag='"g1v1"', body=b"{}", built_at=100.0)
    cache.put(1, cache.generation, entry)
    monkeypatch.setattr("backend.db.read_cache.time.monotonic", lambda: 100.5)
    assert cache.get(1, "open") is entry
    monkeypatch.setattr("backend.db.read_cache.time.monotonic", lambda: 101.5)
    assert cache.get(1, "open") is None


def test_a_deleted_group_is_not_served_from_the_cache(admin: httpx.Client) -> None:
    group = warm(admin, 6)
    assert group.status_code == 200
    deleted = admin.request(
        "DELETE", "/response-groups/6", json={"confirm_name": group.json()["name"]}, headers={"If-Match": group.headers["etag"]}
    )
    assert deleted.status_code == 204, deleted.text
    assert admin.get("/response-groups/6").status_code == 404
    assert admin.get("/response-groups/6", headers={"If-None-Match": group.headers["etag"]}).status_code == 404


async def test_concurrent_misses_share_one_build_but_not_across_a_commit() -> None:
    cache = ReadCache()
    builds: list[int] = []
    release = asyncio.Event()

    async def build() -> CachedGroup:
        builds.append(cache.generation)
        await release.wait()
        return CachedGroup(org_id=1, status="open", etag=f'"g1v{len(builds)}"', body=b"{}")

    first = asyncio.ensure_future(cache.fill(1, build))
    joined = asyncio.ensure_future(cache.fill(1, build))
    await asyncio.sleep(0)
    cache.clear()  # a commit: a miss from now on must not get the build begun before it
    after_commit = asyncio.ensure_future(cache.fill(1, build))
    await asyncio.sleep(0)
    release.set()
    a, b, c = await asyncio.gather(first, joined, after_commit)
    assert len(builds) == 2, "the second miss joined the first build; the one after the commit built its own"
    assert a is b and c is not a
    assert cache.get(1, "open") is c, "only the build from the current generation is stored"


async def test_a_failed_build_lets_each_waiter_build_its_own() -> None:
    cache = ReadCache()
    calls = 0
    release = asyncio.Event()

    async def build() -> CachedGroup:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
            raise LookupError("gone")
        return CachedGroup(org_id=1, status="open", etag='"g1v2"', body=b"{}")

    failing = asyncio.ensure_future(cache.fill(1, build))
    waiting = asyncio.ensure_future(cache.fill(1, build))
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(failing, waiting, return_exceptions=True)
    assert isinstance(results[0], LookupError)
    assert isinstance(results[1], CachedGroup) and calls == 2
