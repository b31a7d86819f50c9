import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "../errors.ts";
import { FIELD_MESSAGES } from "../services/forms/messages.ts";

const MAX_JSON_BYTES = 64 * 1024;

/**
 * Reads a JSON body and validates it. Every failure is a 400 `invalid_request` naming each
 * bad field; nothing is written before this succeeds.
 */
export async function parseJsonBody<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const contentType = c.req.header("Content-Type") ?? "";
  if (!/^application\/json\b/i.test(contentType)) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
  }
  const text = await c.req.text();
  if (text.length > MAX_JSON_BYTES) {
    throw new ApiError(413, "payload_too_large", "The request body is too large.");
  }
  let raw: unknown;
  try {
    raw = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_request", "The body is not valid JSON.");
  }
  return validate(schema, raw);
}

export function validate<Schema extends z.ZodType>(schema: Schema, raw: unknown): z.infer<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.join(".") || "body";
    // A field that was not sent at all is "required", whatever its schema would say of a bad value.
    const missing =
      issue.code === "invalid_type" && issue.path.length > 0 && valueAt(raw, issue.path) === undefined;
    fields[key] ??= missing ? FIELD_MESSAGES.required : issue.message;
  }
  throw new ApiError(400, "invalid_request", "Some fields are missing or invalid.", { fields });
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
