// `wx` for node: wx.request over fetch, wx.connectSocket over the `ws` package — the real server answers.
// `failNext` makes the next N requests fail as a dropped network would (wx's `fail` callback).
import WebSocket from "ws";
import type { Wx, WxRequestOptions, WxSocketTask, WxConnectSocketOptions } from "../src/wx";

export interface StubWx extends Wx {
  failNext: number;
  requests: { method: string; url: string; header: Record<string, string> }[];
  sockets: { url: string; protocols?: string[] }[];
}

export function stubWx(): StubWx {
  const stub: StubWx = {
    failNext: 0,
    requests: [],
    sockets: [],
    request(options: WxRequestOptions) {
      stub.requests.push({ method: options.method, url: options.url, header: { ...options.header } });
      if (stub.failNext > 0) {
        stub.failNext--;
        setImmediate(() => options.fail({ errMsg: "request:fail (stubbed network failure)" }));
        return;
      }
      const body = options.method === "GET" || options.data === undefined ? undefined : JSON.stringify(options.data);
      fetch(options.url, { method: options.method, headers: options.header, body })
        .then(async (response) => {
          const text = await response.text();
          let data: unknown = text;
          try { data = JSON.parse(text); } catch { /* not JSON: keep the text, as wx does */ }
          options.success({ statusCode: response.status, data, header: Object.fromEntries(response.headers) });
        })
        .catch((error: Error) => options.fail({ errMsg: `request:fail ${error.message}` }));
    },
    connectSocket(options: WxConnectSocketOptions): WxSocketTask {
      stub.sockets.push({ url: options.url, protocols: options.protocols });
      const socket = new WebSocket(options.url, options.protocols ?? [], { headers: options.header });
      return {
        onOpen: (callback) => socket.on("open", callback),
        onMessage: (callback) => socket.on("message", (data, isBinary) =>
          callback({ data: isBinary ? (data as Buffer).buffer as ArrayBuffer : data.toString() })),
        onClose: (callback) => socket.on("close", (code, reason) => callback({ code, reason: reason.toString() })),
        onError: (callback) => socket.on("error", (error) => callback({ errMsg: error.message })),
        send: ({ data }) => socket.send(data),
        close: ({ code, reason }) => socket.close(code, reason),
      };
    },
  };
  return stub;
}
