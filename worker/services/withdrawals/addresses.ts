import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { base58, bech32, bech32m, createBase58check } from "@scure/base";

/**
 * Withdrawal address validation per asset and network. A typo in an address loses money
 * for good, so every format with a checksum has it verified: Bitcoin base58check and
 * bech32/bech32m (BIP-173/BIP-350), Ethereum EIP-55 (ETH and USDT as ERC-20), and Solana
 * public keys (base58, exactly 32 bytes). Mainnet only: the live book is real money.
 */
type AddressCheck = { ok: true; network: string; canonical: string } | { ok: false; reason: string };

const MAX_ADDRESS_LENGTH = 100;
const base58check = createBase58check(sha256);

function bitcoin(address: string): AddressCheck {
  if (/^(bc1|BC1)/.test(address)) {
    if (address !== address.toLowerCase() && address !== address.toUpperCase()) {
      return { ok: false, reason: "mixes upper and lower case" };
    }
    const lower = address.toLowerCase();
    // Version 0 uses bech32, versions 1..16 bech32m: try the one the version byte demands.
    const decoded = bech32.decodeUnsafe(lower, 90) ?? bech32m.decodeUnsafe(lower, 90);
    if (decoded?.prefix !== "bc") return { ok: false, reason: "bech32 checksum does not match" };
    const [version, ...programWords] = decoded.words;
    if (version === undefined || version > 16) return { ok: false, reason: "unknown witness version" };
    const usedBech32m = bech32m.decodeUnsafe(lower, 90) !== undefined;
    if ((version === 0) === usedBech32m) {
      return { ok: false, reason: "wrong checksum variant for this witness version" };
    }
    let program: Uint8Array;
    try {
      program = bech32.fromWords(programWords);
    } catch {
      return { ok: false, reason: "invalid witness program padding" };
    }
    if (program.length < 2 || program.length > 40) return { ok: false, reason: "witness program length" };
    if (version === 0 && program.length !== 20 && program.length !== 32) {
      return { ok: false, reason: "version 0 program must be 20 or 32 bytes" };
    }
    return { ok: true, network: "bitcoin", canonical: lower };
  }
  if (/^[13][1-9A-HJ-NP-Za-km-z]{25,34}$/.test(address)) {
    let payload: Uint8Array;
    try {
      payload = base58check.decode(address);
    } catch {
      return { ok: false, reason: "base58check checksum does not match" };
    }
    // 0x00 pay-to-pubkey-hash, 0x05 pay-to-script-hash, each with a 20-byte hash.
    if (payload.length !== 21 || (payload[0] !== 0x00 && payload[0] !== 0x05)) {
      return { ok: false, reason: "not a mainnet address" };
    }
    return { ok: true, network: "bitcoin", canonical: address };
  }
  return { ok: false, reason: "not a Bitcoin address" };
}

export function toChecksumAddress(hex40: string): string {
  const lower = hex40.toLowerCase();
  const hash = keccak_256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let index = 0; index < 40; index++) {
    const character = lower[index] ?? "";
    const nibble = ((hash[index >> 1] ?? 0) >> (index % 2 === 0 ? 4 : 0)) & 0x0f;
    out += nibble >= 8 ? character.toUpperCase() : character;
  }
  return out;
}

function ethereum(address: string): AddressCheck {
  const match = /^0x([0-9a-fA-F]{40})$/.exec(address);
  if (!match?.[1]) return { ok: false, reason: "not an Ethereum address (0x and 40 hex digits)" };
  const body = match[1];
  const checksummed = toChecksumAddress(body);
  const mixedCase = body !== body.toLowerCase() && body !== body.toUpperCase();
  // All-lower or all-upper carries no checksum (EIP-55); mixed case must be exactly right.
  if (mixedCase && checksummed !== address) return { ok: false, reason: "EIP-55 checksum does not match" };
  if (/^0+$/.test(body)) return { ok: false, reason: "the zero address burns funds" };
  return { ok: true, network: "ethereum", canonical: checksummed };
}

function solana(address: string): AddressCheck {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(address)) return { ok: false, reason: "not a Solana address" };
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(address);
  } catch {
    return { ok: false, reason: "invalid base58" };
  }
  if (bytes.length !== 32) return { ok: false, reason: "a Solana public key is 32 bytes" };
  return { ok: true, network: "solana", canonical: address };
}

const VALIDATORS: Record<string, (address: string) => AddressCheck> = {
  BTC: bitcoin,
  ETH: ethereum,
  USDT: ethereum,
  SOL: solana,
};

export function withdrawableAssets(): string[] {
  return Object.keys(VALIDATORS);
}

export function validateAddress(asset: string, rawAddress: string): AddressCheck {
  const address = rawAddress.trim();
  if (address.length === 0 || address.length > MAX_ADDRESS_LENGTH) return { ok: false, reason: "length" };
  const validator = VALIDATORS[asset];
  if (!validator) return { ok: false, reason: `${asset} cannot be withdrawn to an address` };
  return validator(address);
}
