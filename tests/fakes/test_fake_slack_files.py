"""The fake's upload flow and Home tab answer the real ``slack_sdk`` client as Slack does:
``files_upload_v2`` (get an upload URL, POST the bytes there, complete the upload) and
``views.publish``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from .slack_api import FakeSlackAPI

LEAD = "U0LEAD"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as api:
        api.add_user(LEAD, "lead")
        api.add_channel("C0TEAM", "team", members=[LEAD])
        api.add_channel("C0NOBOT", "private", private=True, bot_member=False)
        yield api


@pytest.fixture
def client(fake: FakeSlackAPI) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-test", base_url=fake.base_url)


async def error_of(call: Awaitable[Any]) -> str:
    with pytest.raises(SlackApiError) as raised:
        await call
    return str(raised.value.response["error"])


async def test_files_upload_v2_shares_the_bytes_in_the_channel(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    answer = await client.files_upload_v2(
        channel="C0TEAM", file=PNG, filename="chart.png", title="Chart", initial_comment="Hi"
    )
    [get_url] = fake.calls_to("files.getUploadURLExternal")
    assert get_url.params["filename"] == "chart.png" and get_url.params["length"] == str(len(PNG))
    assert get_url.answer and get_url.answer["upload_url"].startswith(fake.root_url)
    file_id = answer["file"]["id"]
    assert answer["files"] == [{"id": file_id, "title": "Chart"}]
    upload = fake.uploads[file_id]
    assert (upload.data, upload.title, upload.shared_in) == (PNG, "Chart", "C0TEAM")
    [shared] = fake.posted("C0TEAM")
    assert shared["text"] == "Hi" and shared["files"][0]["id"] == file_id


async def test_the_upload_url_answers_as_slack_does(fake: FakeSlackAPI) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    issued = await client.files_getUploadURLExternal(filename="a.png", length=3)
    async with aiohttp.ClientSession() as session:
        async with session.post(issued["upload_url"], data=b"abc") as response:
            assert (response.status, await response.text()) == (200, "OK - 3")
        async with session.post(fake.root_url + "upload/F404", data=b"abc") as response:
            assert response.status == 404
    assert fake.uploads[issued["file_id"]].data == b"abc"


async def test_upload_mistakes_get_slacks_errors(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    assert await error_of(client.files_getUploadURLExternal(filename="a.png", length=0)) == (
        "missing_argument"
    )
    issued = await client.files_getUploadURLExternal(filename="a.png", length=3)
    never_sent = [{"id": issued["file_id"], "title": "a"}]
    assert await error_of(client.files_completeUploadExternal(files=never_sent)) == (
        "file_not_found"
    )
    with pytest.raises(SlackApiError) as raised:
        await client.files_upload_v2(channel="C0NOBOT", file=PNG, filename="chart.png")
    assert raised.value.response["error"] == "not_in_channel"


async def test_without_a_channel_the_file_stays_private(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    answer = await client.files_upload_v2(file=PNG, filename="chart.png")
    assert fake.uploads[answer["file"]["id"]].shared_in is None


async def test_views_publish_keeps_each_users_home(
    fake: FakeSlackAPI, client: AsyncWebClient
) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    answer = await client.views_publish(user_id=LEAD, view=home)
    assert answer["view"]["type"] == "home" and fake.homes[LEAD]["blocks"] == home["blocks"]
    assert await error_of(client.views_publish(user_id="U0NOBODY", view=home)) == ("user_not_found")
    modal = {**home, "type": "modal"}
    assert await error_of(client.views_publish(user_id=LEAD, view=modal)) == "invalid_arguments"
