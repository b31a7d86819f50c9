import { and, type Column, desc, eq, getTableColumns, isNull, ne } from "drizzle-orm";
import { type Session, sessions } from "../../../db/schema/sessions.ts";
import { type User, users } from "../../../db/schema/users.ts";
import type { Services } from "../context.ts";
import { randomToken, sha256Hex } from "./crypto.ts";

/**
 * Server-side sessions: the cookie holds 32 random bytes; the table holds only their
 * SHA-256, so a leaked table cannot be replayed as cookies. Sessions end after an idle
 * period or an absolute lifetime, whichever comes first, and can be listed and revoked.
 */
export const SESSION_COOKIE = "chx_session";
const SESSION_IDLE_MS = 2 * 60 * 60_000;
const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60_000;
/** Writing last_seen on every request would make every read a write; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_SESSIONS_LISTED = 50;

interface ClientInfo {
  userAgent: string;
  ipAddress: string;
}

export interface AuthState {
  user: User;
  session: Session;
}

async function createSession(
  services: Services,
  userId: string,
  client: ClientInfo,
  nowMs = Date.now(),
): Promise<{ token: string; session: Session }> {
  const token = randomToken(32);
  const session: Session = {
    id: await sha256Hex(token),
    publicId: randomToken(12),
    userId,
    userAgent: client.userAgent.slice(0, 300),
    ipAddress: client.ipAddress.slice(0, 64),
    createdAtMs: nowMs,
    lastSeenAtMs: nowMs,
    verifiedAtMs: nowMs,
    expiresAtMs: nowMs + SESSION_ABSOLUTE_MS,
    revokedAtMs: null,
  };
  await services.db.insert(sessions).values(session);
  return { token, session };
}

/**
 * Starts a fresh session for `userId`, revoking the one the request came with (rotation on
 * login and step-up), and returns the Set-Cookie value. Used by the API and the pages alike.
 */
export async function rotateSession(
  services: Services,
  input: { previousSessionId: string | null; userId: string; client: ClientInfo; requestUrl: string },
): Promise<{ cookie: string; session: Session }> {
  if (input.previousSessionId) await revokeSessionById(services, input.previousSessionId);
  const { token, session } = await createSession(services, input.userId, input.client);
  return { cookie: sessionCookie(token, { secure: cookieIsSecure(input.requestUrl) }), session };
}

/**
 * The lookup every authenticated request makes, as one constant SQL text over the raw client:
 * built once per isolate from the drizzle tables (same columns, same value mapping as a drizzle
 * select), because building the query with drizzle on each request was ~11 % of the Worker's
 * CPU on GET /me (README decision record 043).
 */
const SESSION_COLUMNS = Object.entries(getTableColumns(sessions)) as [keyof Session, Column][];
const USER_COLUMNS = Object.entries(getTableColumns(users)) as [keyof User, Column][];
const SESSION_LOOKUP_SQL = `SELECT ${[
  ...SESSION_COLUMNS.map(([, column]) => `s."${column.name}"`),
  ...USER_COLUMNS.map(([, column]) => `u."${column.name}"`),
].join(", ")} FROM sessions s INNER JOIN users u ON u.id = s.user_id WHERE s.id = ? LIMIT 1`;

function mapColumns<T>(columns: [keyof T, Column][], values: unknown[], offset: number): T {
  const row: Record<string, unknown> = {};
  columns.forEach(([key, column], index) => {
    const value = values[offset + index];
    row[key as string] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  });
  return row as T;
}

/** SHA-256 of the cookie token (the session's id), computed once per request however often asked. */
const sessionIds = new WeakMap<Request, { token: string; id: Promise<string> }>();

export function sessionIdOf(request: Request, token: string): Promise<string> {
  const known = sessionIds.get(request);
  if (known && known.token === token) return known.id;
  const id = sha256Hex(token);
  sessionIds.set(request, { token, id });
  return id;
}

export async function loadSession(
  services: Services,
  token: string,
  nowMs = Date.now(),
  sessionId?: Promise<string>,
): Promise<AuthState | null> {
  if (token.length < 20 || token.length > 100) return null;
  const id = await (sessionId ?? sha256Hex(token));
  const result = await services.client.execute({ sql: SESSION_LOOKUP_SQL, args: [id] });
  const values = result.rows[0] as unknown[] | undefined;
  if (!values) return null;
  const session = mapColumns<Session>(SESSION_COLUMNS, values, 0);
  const user = mapColumns<User>(USER_COLUMNS, values, SESSION_COLUMNS.length);
  if (session.revokedAtMs !== null) return null;
  if (nowMs >= session.expiresAtMs || nowMs - session.lastSeenAtMs >= SESSION_IDLE_MS) return null;
  if (nowMs - session.lastSeenAtMs >= TOUCH_INTERVAL_MS) {
    await services.db.update(sessions).set({ lastSeenAtMs: nowMs }).where(eq(sessions.id, id));
    session.lastSeenAtMs = nowMs;
  }
  return { session, user };
}

export async function revokeSessionById(services: Services, sessionId: string, nowMs = Date.now()) {
  await services.db
    .update(sessions)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAtMs)));
}

/** Revokes one of the user's own sessions by its public id; false when it is not theirs. */
export async function revokeOwnSession(
  services: Services,
  userId: string,
  publicId: string,
  nowMs = Date.now(),
) {
  const result = await services.db
    .update(sessions)
    .set({ revokedAtMs: nowMs })
    .where(and(eq(sessions.publicId, publicId), eq(sessions.userId, userId), isNull(sessions.revokedAtMs)))
    .returning({ id: sessions.id });
  return result.length > 0;
}

export async function revokeOtherSessions(services: Services, userId: string, keepSessionId: string | null) {
  const nowMs = Date.now();
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAtMs)];
  if (keepSessionId) conditions.push(ne(sessions.id, keepSessionId));
  const result = await services.db
    .update(sessions)
    .set({ revokedAtMs: nowMs })
    .where(and(...conditions))
    .returning({ id: sessions.id });
  return result.length;
}

export async function listActiveSessions(services: Services, userId: string, nowMs = Date.now()) {
  const rows = await services.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAtMs)))
    .orderBy(desc(sessions.lastSeenAtMs))
    .limit(MAX_SESSIONS_LISTED);
  return rows.filter((row) => nowMs < row.expiresAtMs && nowMs - row.lastSeenAtMs < SESSION_IDLE_MS);
}

export function sessionCookie(token: string, options: { secure: boolean }): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${Math.floor(SESSION_ABSOLUTE_MS / 1000)}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(options: { secure: boolean }): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${options.secure ? "; Secure" : ""}`;
}

/** `Secure` is relaxed only for plain-http localhost (development and tests). */
export function cookieIsSecure(requestUrl: string): boolean {
  const url = new URL(requestUrl);
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  return !(url.protocol === "http:" && local);
}

export function readSessionToken(cookieHeader: string | undefined | null): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || null;
  }
  return null;
}
