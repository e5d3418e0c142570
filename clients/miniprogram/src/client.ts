// A small typed wrapper over wx.request and wx.connectSocket for the Shixun API (docs/API.md).
// - every call is typed from the OpenAPI document (src/generated/openapi.ts), every socket frame from
//   the websocket JSON Schema (src/generated/realtime.ts);
// - a 401 logs in again once (a fresh wx.login() code, through `login`) and repeats the call;
// - network failures and 503 are retried a bounded number of times with exponential backoff (Retry-After
//   honoured), and so is 429;
// - every write carries a client id (the body's `client_id` where the operation takes one, and the
//   `Idempotency-Key` header), the same on every retry, so a resend creates nothing;
// - sockets reconnect with backoff and resync by seq (boards) or by last id (notifications).
import type { paths } from "./generated/openapi";
import type { Sockets } from "./generated/realtime";
import { CLIENT_ID_IN_BODY } from "./generated/writes";
import type { Wx, WxSocketTask } from "./wx";

export type Method = "get" | "post" | "put" | "patch" | "delete";
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M & keyof paths[P]]>;
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : unknown;
type Responses<O> = O extends { responses: infer R } ? R : never;
/** The JSON of the operation's success answer (200 or 201). */
export type Answer<P extends keyof paths, M extends Method> =
  Responses<Op<P, M>> extends infer R ? (R extends { 200: infer A } ? JsonOf<A> : R extends { 201: infer A } ? JsonOf<A> : unknown) : never;
/** The JSON body the operation takes (its client_id may be left out: the wrapper fills it in). */
export type Body<P extends keyof paths, M extends Method> =
  Op<P, M> extends { requestBody?: { content: { "application/json": infer B } } } ? OptionalClientId<B> : never;
type OptionalClientId<B> = B extends { client_id: unknown } ? Omit<B, "client_id"> & { client_id?: string } : B;
type Params<O> = O extends { parameters: infer X } ? X : never;
export type PathParams<P extends keyof paths, M extends Method> = Params<Op<P, M>> extends { path?: infer X } ? X : never;
export type QueryParams<P extends keyof paths, M extends Method> = Params<Op<P, M>> extends { query?: infer X } ? X : never;
export type PathsWith<M extends Method> = { [P in keyof paths]: paths[P] extends Record<M, object> ? P : never }[keyof paths];

export interface CallOptions<P extends keyof paths, M extends Method> {
  path?: PathParams<P, M>;
  query?: QueryParams<P, M>;
  body?: Body<P, M>;
  /** The write's client id (the body's client_id where the operation takes one, and the Idempotency-Key
   * header); made here when not given, and kept for every retry. Keep it with a queued write. */
  clientId?: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly detail: unknown) {
    super(message);
  }
}

export interface ClientOptions {
  /** e.g. "https://shixun.example.cn" (no trailing slash) */
  baseUrl: string;
  wx: Wx;
  /** Log in (wx.login() then POST /api/v1/auth/wechat-login) and return the token. */
  login: () => Promise<string>;
  token?: string;
  /** Attempts after the first on network failures, 429 and 503. */
  retries?: number;
  /** First backoff in ms; doubles each attempt (with jitter). */
  backoffMs?: number;
  newClientId?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

const WRITES = new Set<Method>(["post", "put", "patch", "delete"]);
const RETRIED = new Set([429, 503]);

export function uuid4(): string {
  const hex = "0123456789abcdef";
  let out = "";
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += "-";
    else if (i === 14) out += "4";
    else if (i === 19) out += hex[8 + Math.floor(Math.random() * 4)];
    else out += hex[Math.floor(Math.random() * 16)];
  }
  return out;
}

export class ShixunClient {
  token: string | undefined;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly newClientId: () => string;
  private readonly sleep: (ms: number) => Promise<void>;
  private loggingIn: Promise<string> | undefined;

  constructor(private readonly options: ClientOptions) {
    this.token = options.token;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 300;
    this.newClientId = options.newClientId ?? uuid4;
    this.sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(() => resolve(), ms)));
  }

  /** Log in once even when several calls meet a 401 together. */
  async refreshToken(): Promise<string> {
    this.loggingIn ??= this.options.login().finally(() => { this.loggingIn = undefined; });
    this.token = await this.loggingIn;
    return this.token;
  }

  async call<M extends Method, P extends PathsWith<M>>(method: M, path: P, options: CallOptions<P, M> = {}):
      Promise<Answer<P, M>> {
    const url = this.options.baseUrl + fillPath(path as string, options.path as Record<string, unknown> | undefined)
      + queryString(options.query as Record<string, unknown> | undefined);
    const header: Record<string, string> = { "Content-Type": "application/json" };
    let body: unknown = options.body ?? (WRITES.has(method) ? {} : undefined);
    if (WRITES.has(method)) {
      const given = (body as { client_id?: string } | undefined)?.client_id;
      const clientId = given ?? options.clientId ?? this.newClientId();
      header["Idempotency-Key"] = clientId;
      if (CLIENT_ID_IN_BODY.has(`${method} ${path as string}`) && isObject(body) && given === undefined) {
        body = { ...body, client_id: clientId };
      }
    }
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      if (this.token) header.Authorization = `Bearer ${this.token}`;
      let result;
      try {
        result = await this.request(method, url, body, header);
      } catch (error) {
        if (attempt < this.retries) { await this.backoff(attempt); continue; }
        throw error;
      }
      if (result.statusCode === 401 && !refreshed && path !== "/api/v1/auth/wechat-login") {
        refreshed = true;
        await this.refreshToken();
        attempt--;  // a new login is not a retry
        continue;
      }
      if (RETRIED.has(result.statusCode) && attempt < this.retries) {
        await this.backoff(attempt, result.header["Retry-After"] ?? result.header["retry-after"]);
        continue;
      }
      if (result.statusCode >= 400) {
        const body = (result.data ?? {}) as { code?: string; message?: string; detail?: unknown };
        throw new ApiError(result.statusCode, body.code ?? "error", body.message ?? "请求失败", body.detail);
      }
      return result.data as Answer<P, M>;
    }
  }

  get<P extends PathsWith<"get">>(path: P, options?: CallOptions<P, "get">) { return this.call("get", path, options); }
  post<P extends PathsWith<"post">>(path: P, options?: CallOptions<P, "post">) { return this.call("post", path, options); }

  private request(method: Method, url: string, data: unknown, header: Record<string, string>) {
    return new Promise<{ statusCode: number; data: unknown; header: Record<string, string> }>((resolve, reject) => {
      this.options.wx.request({
        url, method: method.toUpperCase() as "GET", data, header, timeout: 15000,
        success: resolve, fail: (error) => reject(new Error(error.errMsg)),
      });
    });
  }

  private async backoff(attempt: number, retryAfter?: string) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000
      : this.backoffMs * 2 ** attempt * (0.5 + Math.random() / 2);
    await this.sleep(Math.min(ms, 30000));
  }

  /** Open a websocket that keeps itself connected and gapless (see LiveSocket). */
  socket<S extends keyof Sockets>(path: S, options: SocketOptions<S>): LiveSocket<S> {
    return new LiveSocket(this, this.options, path, options);
  }
}

export interface SocketOptions<S extends keyof Sockets> {
  /** Values for the {id} in the path. */
  params?: Record<string, string | number>;
  onMessage: (message: Sockets[S]["server"]) => void;
  onState?: (state: "open" | "closed" | "reconnecting", code?: number) => void;
  maxReconnects?: number;
}

const FINAL_CLOSE = new Set([4403, 4404, 1000]);

/** A websocket that reconnects with backoff and never shows a gap: boards are followed by seq (a frame
 * whose seq is not the next one triggers {"type": "resync", "since": last}, a reconnect sends ?since=),
 * notifications by the last id seen (after each hello, {"type": "resync", "since": lastId}). */
export class LiveSocket<S extends keyof Sockets> {
  lastSeq = -1;
  lastId = 0;
  private task: WxSocketTask | undefined;
  private reconnects = 0;
  private stopped = false;
  private readonly board: boolean;

  constructor(private readonly client: ShixunClient, private readonly clientOptions: ClientOptions,
              readonly path: S, private readonly options: SocketOptions<S>) {
    this.board = (path as string).startsWith("/ws/competitions/");
    this.connect();
  }

  send(message: Sockets[S]["client"]) { this.task?.send({ data: JSON.stringify(message) }); }

  close() {
    this.stopped = true;
    this.task?.close({ code: 1000 });
  }

  private url(): string {
    const base = this.clientOptions.baseUrl.replace(/^http/, "ws");
    const query: string[] = [];
    if (this.board && this.lastSeq >= 0) query.push(`since=${this.lastSeq}`);
    return base + fillPath(this.path, this.options.params) + (query.length ? `?${query.join("&")}` : "");
  }

  private connect() {
    // The token goes in the `bearer` subprotocol (URLs end up in access logs; headers do not); the
    // public board needs none.
    const token = this.client.token && !this.path.endsWith("/board/") ? this.client.token : undefined;
    const task = this.clientOptions.wx.connectSocket(
      token ? { url: this.url(), protocols: ["bearer", token] } : { url: this.url() });
    this.task = task;
    task.onOpen(() => { this.reconnects = 0; this.options.onState?.("open"); });
    task.onMessage(({ data }) => {
      if (typeof data !== "string") return;
      this.receive(JSON.parse(data) as Sockets[S]["server"]);
    });
    task.onError(() => undefined);  // onClose follows
    task.onClose(({ code }) => { void this.closed(code); });
  }

  private receive(message: Sockets[S]["server"]) {
    const frame = message as { type: string; seq?: number; id?: number; last_id?: number; items?: { id: number }[] };
    if (this.board && (frame.type === "update") && typeof frame.seq === "number") {
      if (frame.seq <= this.lastSeq) return;  // already shown
      if (this.lastSeq >= 0 && frame.seq !== this.lastSeq + 1) {
        this.send({ type: "resync", since: this.lastSeq } as Sockets[S]["client"]);
        return;
      }
      this.lastSeq = frame.seq;
    } else if (this.board && (frame.type === "snapshot" || frame.type === "resynced") && typeof frame.seq === "number") {
      this.lastSeq = frame.seq;
    } else if (!this.board && frame.type === "hello" && this.lastId > 0) {
      this.send({ type: "resync", since: this.lastId } as Sockets[S]["client"]);
    } else if (frame.type === "notification" && typeof frame.id === "number") {
      this.lastId = Math.max(this.lastId, frame.id);
    } else if (frame.type === "backlog" && frame.items) {
      for (const item of frame.items) this.lastId = Math.max(this.lastId, item.id);
    } else if (frame.type === "hello" && typeof frame.last_id === "number" && this.lastId === 0) {
      this.lastId = frame.last_id;
    }
    this.options.onMessage(message);
  }

  private async closed(code: number) {
    this.task = undefined;
    if (this.stopped || FINAL_CLOSE.has(code)) { this.options.onState?.("closed", code); return; }
    if (this.reconnects >= (this.options.maxReconnects ?? 10)) { this.options.onState?.("closed", code); return; }
    this.options.onState?.("reconnecting", code);
    if (code === 4401) await this.client.refreshToken();
    const wait = Math.min(300 * 2 ** this.reconnects++, 30000);
    await new Promise<void>((resolve) => setTimeout(() => resolve(), wait));
    if (!this.stopped) this.connect();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fillPath(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  const parts = Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}
