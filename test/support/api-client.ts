/**
 * A small cookie-keeping JSON client for tests: drives the API exactly as a script would,
 * through `SELF.fetch` inside workerd or global fetch against a running stack.
 */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export class ApiClient {
  cookie: string | null = null;

  constructor(
    private readonly fetchFn: FetchLike,
    readonly origin: string,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { Origin: this.origin, ...options.headers };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (this.cookie) headers.Cookie = this.cookie;
    const response = await this.fetchFn(`${this.origin}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const setCookie = response.headers.get("Set-Cookie");
    if (setCookie) {
      const match = /chx_session=([^;]*)/.exec(setCookie);
      if (match) this.cookie = match[1] ? `chx_session=${match[1]}` : null;
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }

  get<T = Record<string, unknown>>(path: string, headers?: Record<string, string>) {
    return this.request<T>("GET", path, headers ? { headers } : {});
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>("POST", path, { body: body ?? {}, ...(headers ? { headers } : {}) });
  }

  delete<T = Record<string, unknown>>(path: string) {
    return this.request<T>("DELETE", path);
  }
}

let counter = 0;
export function uniqueEmail(prefix = "trader"): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export const STRONG_PASSWORD = "correct-pony-battery-42";

export function errorCode(response: ApiResponse): string | undefined {
  return (response.body as { error?: { code?: string } }).error?.code;
}
