import { describe, expect, it } from "vitest";
import { toChecksumAddress, validateAddress } from "../../../worker/services/withdrawals/addresses.ts";

describe("Bitcoin addresses", () => {
  it.each([
    ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "P2WPKH (BIP-173)"],
    ["BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "upper case is the same address"],
    ["bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "P2WSH"],
    ["bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "taproot (bech32m, BIP-350)"],
    ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "P2PKH"],
    ["3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "P2SH"],
  ])("accepts %s (%s)", (address) => {
    const result = validateAddress("BTC", address);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.canonical).toBe(address.startsWith("BC1") ? address.toLowerCase() : address);
  });

  it.each([
    ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bech32 checksum off by one character"],
    ["bc1qw508d6qejxtdg4y5r3zarvary0C5xw7kv8f3t4", "mixed case"],
    ["bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj1", "bech32m checksum wrong"],
    // A v1 program encoded with bech32 instead of bech32m (BIP-350 invalid vector).
    ["bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", "wrong checksum variant"],
    ["tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "testnet"],
    ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", "base58check checksum wrong"],
    ["mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "testnet P2PKH"],
    ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "an Ethereum address"],
    ["", "empty"],
  ])("refuses %s (%s)", (address) => {
    expect(validateAddress("BTC", address).ok).toBe(false);
  });
});

describe("Ethereum and ERC-20 (EIP-55)", () => {
  it.each([
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  ])("accepts the EIP-55 test vector %s for ETH and USDT", (address) => {
    for (const asset of ["ETH", "USDT"]) {
      const result = validateAddress(asset, address);
      expect(result).toEqual({ ok: true, network: "ethereum", canonical: address });
    }
  });

  it("accepts an all-lowercase address and stores it checksummed", () => {
    const result = validateAddress("ETH", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    expect(result).toEqual({
      ok: true,
      network: "ethereum",
      canonical: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    });
    expect(toChecksumAddress("fb6916095ca1df60bb79ce92ce3ea74c37c5d359")).toBe(
      "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    );
  });

  it.each([
    ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "one letter's case flipped"],
    ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "39 digits"],
    ["5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "no 0x"],
    ["0x0000000000000000000000000000000000000000", "zero address"],
    ["0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "not hex"],
  ])("refuses %s (%s)", (address) => {
    expect(validateAddress("ETH", address).ok).toBe(false);
  });
});

describe("Solana", () => {
  it("accepts 32-byte base58 public keys", () => {
    for (const address of [
      "So11111111111111111111111111111111111111112",
      "11111111111111111111111111111111",
    ]) {
      expect(validateAddress("SOL", address)).toEqual({ ok: true, network: "solana", canonical: address });
    }
  });

  it("refuses wrong lengths and characters outside base58", () => {
    expect(validateAddress("SOL", "So1111111111111111111111111111111111111111").ok).toBe(false);
    expect(validateAddress("SOL", "So11111111111111111111111111111111111111O12").ok).toBe(false);
    expect(validateAddress("SOL", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").ok).toBe(false);
  });
});

describe("assets without addresses", () => {
  it("GBP cannot be withdrawn to a crypto address", () => {
    expect(validateAddress("GBP", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").ok).toBe(false);
  });
});
