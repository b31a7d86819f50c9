/**
 * Binance SIGNED requests (REST API docs, "SIGNED Endpoint Examples for POST /api/v3/order",
 * HMAC keys): the signature payload is the query string concatenated, without a separator, to
 * the request body; parameters are `name=value` pairs joined by `&` and percent-encoded; the
 * signature is the hex HMAC-SHA256 of that payload keyed with the secret, sent as the last
 * parameter `signature`. The API key travels in the `X-MBX-APIKEY` header, never in the payload.
 *
 * We always send the whole payload in one place (the query string for GET and DELETE, a
 * form-encoded body for POST), so the payload is exactly the string we send, and there is
 * nothing to reorder: what is signed is byte for byte what the exchange reads.
 *
 * WebCrypto only (this runs inside a Durable Object). The secret is imported once as a
 * non-extractable CryptoKey; the signer keeps no copy of the secret's text.
 */

import { bytesToHex } from "../auth/crypto.ts";

/** Ordered parameters: Binance reads them in any order, but the signature covers this order. */
export type RequestParams = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * `encodeURIComponent` of names and values, joined with `&`. It leaves only unreserved
 * characters (and `!'()*`) unescaped, which Binance accepts as sent; non-ASCII text becomes
 * UTF-8 percent escapes as the docs' second example requires.
 */
export function encodeParams(params: RequestParams): string {
  return params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&");
}

export interface RequestSigner {
  /** Lower-case hex HMAC-SHA256 of the payload. */
  sign(payload: string): Promise<string>;
}

const encoder = new TextEncoder();

export function createHmacSigner(secret: string): RequestSigner {
  if (secret.length === 0) throw new RangeError("the HMAC secret is empty");
  // The import's promise, not the secret's text, is what the signer holds from here on.
  const key = crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return {
    async sign(payload: string): Promise<string> {
      const signature = await crypto.subtle.sign("HMAC", await key, encoder.encode(payload));
      return bytesToHex(new Uint8Array(signature));
    },
  };
}

/** The signed payload, ready to send: the encoded parameters with `&signature=` last. */
export async function signParams(signer: RequestSigner, params: RequestParams): Promise<string> {
  const payload = encodeParams(params);
  const signature = await signer.sign(payload);
  return payload.length > 0 ? `${payload}&signature=${signature}` : `signature=${signature}`;
}
