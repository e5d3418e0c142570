// The part of the mini-program's `wx` API this client uses (the WeChat base library's shapes).

export interface WxRequestSuccess {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}

export interface WxRequestOptions {
  url: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
  success(result: WxRequestSuccess): void;
  fail(error: { errMsg: string }): void;
}

export interface WxSocketTask {
  onOpen(callback: () => void): void;
  onMessage(callback: (message: { data: string | ArrayBuffer }) => void): void;
  onClose(callback: (result: { code: number; reason: string }) => void): void;
  onError(callback: (error: { errMsg: string }) => void): void;
  send(options: { data: string }): void;
  close(options: { code?: number; reason?: string }): void;
}

export interface WxConnectSocketOptions {
  url: string;
  header?: Record<string, string>;
  /** Sec-WebSocket-Protocol: the token travels as ["bearer", token], never in the URL (docs/adr/0080). */
  protocols?: string[];
  timeout?: number;
}

export interface Wx {
  request(options: WxRequestOptions): void;
  connectSocket(options: WxConnectSocketOptions): WxSocketTask;
}
