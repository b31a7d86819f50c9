// node:http front end for the Hrana server: routing, auth, body limits and JSON framing.
// Route set mirrors sqld's user API closely enough for @libsql/client (web build) to work unmodified.

import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HranaHttpError, HranaServer, type HranaVersion } from "./hrana.ts";

/**
 * How long a server that workerd calls keeps an idle keep-alive connection open: longer than
 * workerd keeps one for reuse, so workerd is always the side that closes an idle connection.
 * At Node's default (5 s, what workerd waits too), a request sent as the server closed the
 * connection failed inside workerd, and wrangler dev exited (decision record 044).
 */
export const WORKERD_FACING_KEEP_ALIVE_MS = 65_000;

interface LibsqlServerOptions {
  host?: string;
  port?: number;
  databasePath: string;
  /** When set, POST endpoints require `Authorization: Bearer <authToken>`. */
  authToken?: string;
  streamIdleTimeoutMs?: number;
  busyTimeoutMs?: number;
  maxBodyBytes?: number;
  maxStreams?: number;
  /** Called for unexpected (HTTP 500) failures; the server itself never logs. */
  onError?: (error: unknown) => void;
}

export interface LibsqlServer {
  url: string;
  port: number;
  /** Database connections opened so far (connections of closed streams are reused). */
  connectionsOpened(): number;
  close(): Promise<void>;
}

const SERVER_NAME = "coinhubx-libsql-local";
const SERVER_VERSION = "0.1.0";

const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: HranaHttpError, headers: Record<string, string> = {}) {
  sendJson(res, err.status, { message: err.message, code: err.code }, headers);
}

/**
 * Reads the body up to `limit` bytes. Past the limit the rest is drained (not buffered) before
 * rejecting, so the client sees the 413 instead of a reset connection mid-upload; absurdly large
 * uploads are cut off by destroying the socket.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    let tooLarge = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > limit * 8 + 1024 * 1024) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) {
        reject(new HranaHttpError(413, `Request body exceeds ${limit} bytes`, "PAYLOAD_TOO_LARGE"));
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    });
    req.on("error", reject);
  });
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new HranaHttpError(400, `Cannot deserialize client message from JSON: ${detail}`, "PROTOCOL_ERROR");
  }
}

function tokenDigest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

export async function startLibsqlServer(options: LibsqlServerOptions): Promise<LibsqlServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const expectedToken = options.authToken ? tokenDigest(options.authToken) : undefined;

  const hrana = new HranaServer({
    databasePath: options.databasePath,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs,
    busyTimeoutMs: options.busyTimeoutMs,
    maxStreams: options.maxStreams,
  });
  hrana.open();

  const checkAuth = (req: IncomingMessage) => {
    if (!expectedToken) return;
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!match?.[1]) {
      throw new HranaHttpError(401, "Authentication required: missing bearer token", "AUTH_HEADER_NOT_FOUND");
    }
    // Hashing first makes the comparison constant-time regardless of token length.
    if (!timingSafeEqual(tokenDigest(match[1]), expectedToken)) {
      throw new HranaHttpError(401, "Authentication failed: invalid token", "AUTH_FAILED");
    }
  };

  const pipeline =
    (version: HranaVersion): Handler =>
    async (req, res) => {
      checkAuth(req);
      const body = await readJson(req, maxBody);
      sendJson(res, 200, await hrana.handlePipeline(version, body));
    };

  const cursor: Handler = async (req, res) => {
    checkAuth(req);
    const body = await readJson(req, maxBody);
    const { head, entries } = await hrana.handleCursor(body);
    const lines = [head, ...entries].map((x) => `${JSON.stringify(x)}\n`).join("");
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(lines) });
    res.end(lines);
  };

  const ok: Handler = (_req, res) => {
    res.writeHead(200, { "content-length": 0 });
    res.end();
  };

  // v3-protobuf is deliberately absent: the client probes it and falls back to v2 JSON on 404.
  const routes: Record<string, Partial<Record<"GET" | "POST", Handler>>> = {
    "/": { GET: (_req, res) => sendText(res, 200, "Hello, this is a local libSQL server (Hrana over HTTP)") },
    "/health": { GET: ok },
    "/version": { GET: (_req, res) => sendText(res, 200, `${SERVER_NAME} ${SERVER_VERSION}`) },
    "/v2": { GET: ok },
    "/v3": { GET: ok },
    "/v2/pipeline": { POST: pipeline(2) },
    "/v3/pipeline": { POST: pipeline(3) },
    "/v3/cursor": { POST: cursor },
  };

  const server = createServer((req, res) => {
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      path = "/";
    }
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    const route = routes[path];
    const respondError = (err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HranaHttpError) {
        sendError(res, err);
      } else {
        options.onError?.(err);
        sendJson(res, 500, { message: "Internal server error", code: "INTERNAL_ERROR" });
      }
    };
    if (!route) {
      req.resume();
      sendError(res, new HranaHttpError(404, `No route for ${path}`, "NOT_FOUND"));
      return;
    }
    const method = req.method === "HEAD" ? "GET" : req.method;
    const handler = method === "GET" || method === "POST" ? route[method] : undefined;
    if (!handler) {
      req.resume();
      sendError(
        res,
        new HranaHttpError(405, `Method ${req.method} not allowed on ${path}`, "METHOD_NOT_ALLOWED"),
        {
          allow: Object.keys(route).join(", "),
        },
      );
      return;
    }
    try {
      Promise.resolve(handler(req, res)).catch((err: unknown) => {
        req.resume();
        respondError(err);
      });
    } catch (err) {
      req.resume();
      respondError(err);
    }
  });
  server.keepAliveTimeout = WORKERD_FACING_KEEP_ALIVE_MS;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    connectionsOpened: () => hrana.connectionsOpened,
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // In-flight requests get a moment to finish before their sockets are cut.
        const force = setTimeout(() => server.closeAllConnections(), 1_000);
        force.unref();
        await done;
        clearTimeout(force);
        await hrana.close();
      })();
      return closed;
    },
  };
}
