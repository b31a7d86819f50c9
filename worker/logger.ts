/**
 * The one logger: one JSON object per line on stdout, which Workers Logs (observability)
 * collects. Used by the Worker, the Durable Objects and Remix loaders alike, so every line
 * has the same shape. Values under keys that name secrets are replaced before printing.
 */
type LogLevel = "debug" | "info" | "warn" | "error";
type LogFields = Record<string, unknown>;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY =
  /pass(word)?|secret|token|totp|code|authorization|cookie|api[-_]?key|private|seed|address$/i;
/**
 * Keys SECRET_KEY matches that never hold a secret, compared exactly. An allowlist keeps the
 * pattern broad and fail-closed: `code`, `totpCode`, `backupCode`... stay redacted, while the API
 * error code that the request line carries (`errorCode`, e.g. `totp_invalid`) is what operators
 * read to see why a request was refused.
 */
const NOT_SECRET_KEYS: ReadonlySet<string> = new Set(["errorCode"]);

function isSecretKey(key: string): boolean {
  return !NOT_SECRET_KEYS.has(key) && SECRET_KEY.test(key);
}
const MAX_DEPTH = 6;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return "[depth]";
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redact(item, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? "[redacted]" : redact(inner, depth + 1);
    }
    return out;
  }
  return value;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

type LogSink = (line: string) => void;

// biome-ignore lint/suspicious/noConsole: the logger is the single place that writes to stdout.
const defaultSink: LogSink = (line) => console.log(line);

export function createLogger(options: { level?: LogLevel; base?: LogFields; sink?: LogSink }): Logger {
  const threshold = LEVEL_ORDER[options.level ?? "info"];
  const base = options.base ?? {};
  const sink = options.sink ?? defaultSink;
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVEL_ORDER[level] < threshold) return;
    const record = redact({ ...base, ...fields }) as LogFields;
    sink(JSON.stringify({ time: new Date().toISOString(), level, message, ...record }));
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
