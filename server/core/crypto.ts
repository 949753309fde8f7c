// Hashing and signature checks reach the core through this interface, so the same code runs in the
// browser (pure-JS noble, below) and on the server (node:crypto, ~6x faster for SHA-256 and ~11x for
// Ed25519 verification — see server/crypto/node.ts). Both must give identical answers.

import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { utf8 } from "./canonical";

export interface CryptoProvider {
  sha256Hex(data: string | Uint8Array): string;
  /** Ed25519 verification; keys and signatures are lowercase hex. Never throws on malformed input. */
  verifyEd25519(publicKeyHex: string, message: Uint8Array, signatureHex: string): boolean;
}

/** Holds the private key; only the server has one. */
export interface Signer {
  readonly publicKeyHex: string;
  sign(message: Uint8Array): string;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

export function isHex(value: string, bytes: number): boolean {
  return value.length === bytes * 2 && HEX.test(value);
}

export const nobleCrypto: CryptoProvider = {
  sha256Hex(data) {
    return bytesToHex(sha256(typeof data === "string" ? utf8(data) : data));
  },
  verifyEd25519(publicKeyHex, message, signatureHex) {
    if (!isHex(publicKeyHex, 32) || !isHex(signatureHex, 64)) return false;
    try {
      return ed25519.verify(hexToBytes(signatureHex), message, hexToBytes(publicKeyHex));
    } catch {
      return false;
    }
  },
};

/** Key id = sha256 of the raw 32-byte public key, hex. */
export function keyIdOf(crypto: CryptoProvider, publicKeyHex: string): string {
  return crypto.sha256Hex(isHex(publicKeyHex, 32) ? hexToBytes(publicKeyHex) : utf8(publicKeyHex));
}
