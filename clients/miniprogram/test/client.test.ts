// The typed client against a real demo server (tests/e2e/test_miniprogram_client.py starts it and sets
// SHIXUN_BASE_URL), with `wx` stubbed by plain HTTP and websocket calls (test/wx-stub.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, ShixunClient } from "../src";
import type { BoardServerMessage, NotificationsServerMessage } from "../src";
import { stubWx } from "./wx-stub";

const baseUrl = process.env.SHIXUN_BASE_URL ?? "http://127.0.0.1:8000";

function clientFor(code: string, wx = stubWx()) {
  const client: ShixunClient = new ShixunClient({
    baseUrl, wx, backoffMs: 10,
    // in the mini-program: wx.login() gives the code; the demo's fake WeChat knows these codes
    login: async () => (await client.post("/api/v1/auth/wechat-login", { body: { code } })).token,
  });
  return { client, wx };
}

function until<T>(messages: T[], predicate: (m: T) => boolean, timeoutMs = 10000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = messages.find(predicate);
      if (found) resolve(found);
      else if (Date.now() - started > timeoutMs) reject(new Error(`no such message in ${JSON.stringify(messages)}`));
      else setTimeout(look, 20);
    };
    look();
  });
}

test("a 401 logs in again and repeats the call, once", async () => {
  const { client, wx } = clientFor("demo-master-wang");
  client.token = "expired-or-revoked";
  const ping = await client.get("/api/v1/ping");
  assert.equal(ping.ok, true);
  assert.ok(ping.user_id > 0);
  assert.deepEqual(wx.requests.map((r) => r.url.replace(baseUrl, "")),
    ["/api/v1/ping", "/api/v1/auth/wechat-login", "/api/v1/ping"]);
});

test("network failures are retried with backoff, a bounded number of times", async () => {
  const { client, wx } = clientFor("demo-master-wang");
  await client.refreshToken();
  wx.failNext = 2;
  assert.equal((await client.get("/api/v1/ping")).ok, true);
  wx.failNext = 10;
  await assert.rejects(client.get("/api/v1/ping"), /stubbed network failure/);
  assert.equal(wx.failNext, 10 - 4);  // the first try and three retries
});

test("every write carries a client id, the same on each retry; a resend creates nothing", async () => {
  const { client, wx } = clientFor("demo-requester");
  await client.refreshToken();
  const categories = await client.get("/api/v1/workorders/categories");
  const category = (categories as unknown as { id: number }[])[0].id;
  wx.failNext = 1;  // the first try is lost: the retry must carry the same id
  const body = { category, description: "会议室空调不制冷（客户端测试）", location_text: "行政中心 3 楼 301 会议室" };
  const first = await client.post("/api/v1/workorders", { body, clientId: "6a681917-0000-4000-8000-00000000c11e" });
  const writes = wx.requests.filter((r) => r.method === "POST" && r.url.endsWith("/api/v1/workorders"));
  assert.equal(writes.length, 2);
  assert.equal(writes[1].header["Idempotency-Key"], "6a681917-0000-4000-8000-00000000c11e");
  const again = await client.post("/api/v1/workorders", { body, clientId: "6a681917-0000-4000-8000-00000000c11e" });
  assert.equal((again as { id: number }).id, (first as { id: number }).id);  // replayed, not a second order
  const other = await client.post("/api/v1/workorders", { body });  // a new action: a new id, made here
  assert.notEqual((other as { id: number }).id, (first as { id: number }).id);
  assert.match(wx.requests.at(-1)!.header["Idempotency-Key"],
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("errors arrive as ApiError with the server's code and Chinese message", async () => {
  const { client } = clientFor("demo-master-wang");
  await client.refreshToken();
  await assert.rejects(client.get("/api/v1/workorders/{order_id}", { path: { order_id: 999999999 } }),
    (error: unknown) => error instanceof ApiError && error.status === 404 && /[\u4e00-\u9fff]/.test(error.message));
});

test("the notifications socket says hello, answers ping and resyncs by id", async () => {
  const { client, wx } = clientFor("demo-master-wang");
  await client.refreshToken();
  const messages: NotificationsServerMessage[] = [];
  const socket = client.socket("/ws/notifications/", { onMessage: (m) => messages.push(m) });
  const hello = await until(messages, (m) => m.type === "hello");
  assert.equal(hello.type, "hello");
  // the token travels in the `bearer` subprotocol, never in the URL (which access logs keep)
  assert.deepEqual(wx.sockets, [{ url: baseUrl.replace(/^http/, "ws") + "/ws/notifications/",
    protocols: ["bearer", client.token] }]);
  socket.send({ type: "ping" });
  await until(messages, (m) => m.type === "pong");
  socket.send({ type: "resync", since: 0 });
  const backlog = await until(messages, (m) => m.type === "backlog");
  assert.equal(backlog.type === "backlog" && Array.isArray(backlog.items), true);
  socket.close();
});

test("a board socket follows the seq and resyncs after a gap", async () => {
  const { client } = clientFor("demo-chief-judge");
  await client.refreshToken();
  const contests = await client.get("/api/v1/competitions");
  assert.ok(contests.length > 0);
  const messages: BoardServerMessage[] = [];
  const socket = client.socket("/ws/competitions/{id}/board/", { params: { id: contests[0].id },
    onMessage: (m) => messages.push(m) });
  const snapshot = await until(messages, (m) => m.type === "snapshot");
  assert.equal(snapshot.type === "snapshot" && snapshot.contest.id, contests[0].id);
  assert.equal(socket.lastSeq, snapshot.type === "snapshot" ? snapshot.seq : -2);
  socket.send({ type: "ping" });
  const pong = await until(messages, (m) => m.type === "pong");
  assert.equal(pong.type === "pong" && pong.seq, socket.lastSeq);
  socket.send({ type: "resync", since: Math.max(socket.lastSeq - 1, 0) });
  const resynced = await until(messages, (m) => m.type === "resynced");
  assert.equal(resynced.type === "resynced" && resynced.seq, socket.lastSeq);
  socket.close();
});

test("a socket closed with 4401 logs in again and reconnects", async () => {
  const { client, wx } = clientFor("demo-master-wang");
  client.token = "forged";
  const states: string[] = [];
  const messages: NotificationsServerMessage[] = [];
  const socket = client.socket("/ws/notifications/", { onMessage: (m) => messages.push(m),
    onState: (state, code) => states.push(`${state}:${code ?? ""}`) });
  await until(messages, (m) => m.type === "hello");
  assert.ok(states.includes("reconnecting:4401"), states.join(","));
  assert.deepEqual(wx.sockets.map((s) => s.protocols), [["bearer", "forged"], ["bearer", client.token]]);
  socket.close();
});
