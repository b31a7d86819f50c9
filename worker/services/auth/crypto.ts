/** Small WebCrypto helpers shared by auth: encoding, hashing, sealed secrets. */

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function randomToken(byteLength = 32): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(byteLength)));
}

const HEX_OF_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const utf8 = new TextEncoder();

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += HEX_OF_BYTE[byte];
  return hex;
}

/** Lower-case hex SHA-256 of the text's UTF-8 (session ids, entry ids, request hashes: hot paths). */
export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text))));
}

const keyCache = new Map<string, Promise<CryptoKey>>();

function importDataKey(base64Key: string): Promise<CryptoKey> {
  let key = keyCache.get(base64Key);
  if (!key) {
    key = crypto.subtle.importKey("raw", base64ToBytes(base64Key) as BufferSource, "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    keyCache.set(base64Key, key);
  }
  return key;
}

/**
 * AES-256-GCM with a random 96-bit nonce. The associated data (the owner's user id) binds
 * the ciphertext to its row: a secret copied onto another user's row will not decrypt.
 */
export async function seal(base64Key: string, plaintext: string, associatedData: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(associatedData) },
    await importDataKey(base64Key),
    utf8.encode(plaintext),
  );
  return `v1.${bytesToBase64(iv)}.${bytesToBase64(new Uint8Array(ciphertext))}`;
}

export async function unseal(base64Key: string, sealed: string, associatedData: string): Promise<string> {
  const [version, ivText, dataText] = sealed.split(".");
  if (version !== "v1" || !ivText || !dataText) throw new Error("unknown sealed-secret format");
  const plaintext = await crypto.subtle.decrypt(
    {
      name: "AES-GCM",
      iv: base64ToBytes(ivText) as BufferSource,
      additionalData: utf8.encode(associatedData),
    },
    await importDataKey(base64Key),
    base64ToBytes(dataText) as BufferSource,
  );
  return new TextDecoder().decode(plaintext);
}
