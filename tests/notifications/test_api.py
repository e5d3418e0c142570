from notifications.services import notify


def test_list_and_mark_read(api, make_user):
    user, other = make_user(), make_user()
    for i in range(3):
        notify(recipients=[user], kind="dispatch", title=f"消息{i}", dedupe_key=f"k{i}")
    notify(recipients=[other], kind="dispatch", title="别人的", dedupe_key="o")
    client = api.as_user(user)
    body = client.get("notifications").json()
    assert body["unread"] == 3 and [n["title"] for n in body["items"]] == ["消息2", "消息1", "消息0"]
    first_id = body["items"][-1]["id"]
    assert client.post("notifications/read", {"ids": [first_id]}).json() == {"updated": 1}
    assert client.get("notifications", {"unread": True}).json()["unread"] == 2
    assert client.post("notifications/read", {}).json() == {"updated": 2}
    assert api.as_user(other).get("notifications").json()["unread"] == 1
    page = client.get("notifications", {"before_id": body["items"][0]["id"], "limit": 1}).json()
    assert [n["title"] for n in page["items"]] == ["消息1"]
