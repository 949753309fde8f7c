import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSealed, openSecret, parseSecretKey, sealSecret } from "../../server/crypto/secret-box";
import { ensureSecretKey, SECRET_KEY_FILE } from "../../server/crypto/secret-key";

const KEY_A = "a".repeat(64);
const KEY_B = "b".repeat(64);
const saved = { key: process.env.EXOARMUR_SECRET_KEY, dir: process.env.EXOARMUR_DATA_DIR };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "exoarmur-kek-"));
  process.env.EXOARMUR_DATA_DIR = dir;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, value] of [
    ["EXOARMUR_SECRET_KEY", saved.key],
    ["EXOARMUR_DATA_DIR", saved.dir],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("the secret box (AES-256-GCM under EXOARMUR_SECRET_KEY)", () => {
  it("seals into a versioned envelope without the plaintext, and opens it again", () => {
    process.env.EXOARMUR_SECRET_KEY = KEY_A;
    const sealed = sealSecret("webhook-secret-value", "tenant:acme");
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("webhook-secret-value");
    expect(isSealed(sealed)).toBe(true);
    expect(openSecret(sealed, "tenant:acme")).toBe("webhook-secret-value");
    expect(sealSecret("webhook-secret-value", "tenant:acme")).not.toBe(sealed); // a fresh IV each time
  });

  it("passes a value stored before encryption through unchanged", () => {
    process.env.EXOARMUR_SECRET_KEY = KEY_A;
    expect(isSealed("legacy-plaintext")).toBe(false);
    expect(openSecret("legacy-plaintext", "tenant:acme")).toBe("legacy-plaintext");
  });

  it("refuses to open under another key or in another place, without showing either key", () => {
    process.env.EXOARMUR_SECRET_KEY = KEY_A;
    const sealed = sealSecret("s", "tenant:acme");
    expect(() => openSecret(sealed, "tenant:other")).toThrow(/cannot decrypt/);
    process.env.EXOARMUR_SECRET_KEY = KEY_B;
    let message = "";
    try {
      openSecret(sealed, "tenant:acme");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/EXOARMUR_SECRET_KEY/);
    expect(message).not.toContain(KEY_A);
    expect(message).not.toContain(KEY_B);
  });

  it.each(["", "abc", "g".repeat(64), "a".repeat(62), Buffer.alloc(16).toString("base64")])(
    "rejects the malformed key %j with a clear message",
    (text) => {
      expect(() => parseSecretKey(text)).toThrow(/EXOARMUR_SECRET_KEY must be 32 bytes/);
    },
  );

  it("takes 64 hex digits or base64 of 32 bytes", () => {
    expect(parseSecretKey(KEY_A)).toHaveLength(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString("base64"))).toEqual(Buffer.alloc(32, 7));
    expect(parseSecretKey(Buffer.alloc(32, 7).toString("base64url"))).toEqual(Buffer.alloc(32, 7));
  });
});

describe("the key's home in embedded mode", () => {
  it("is created once, 0600, in the data dir, and used from then on", () => {
    delete process.env.EXOARMUR_SECRET_KEY;
    const logged: string[] = [];
    ensureSecretKey({ dataDir: dir, create: true, log: (l) => logged.push(l) });
    const file = join(dir, SECRET_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, "utf8").trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(process.env.EXOARMUR_SECRET_KEY).toBe(key);
    expect(logged.join("\n")).not.toContain(key);
    delete process.env.EXOARMUR_SECRET_KEY;
    ensureSecretKey({ dataDir: dir, create: true, log: () => {} });
    expect(process.env.EXOARMUR_SECRET_KEY).toBe(key);
  });

  it("is not created where the server must be given one (DATABASE_URL), with a clear error", () => {
    delete process.env.EXOARMUR_SECRET_KEY;
    expect(() => ensureSecretKey({ dataDir: dir, create: false, log: () => {} })).toThrow(
      /EXOARMUR_SECRET_KEY is not set/,
    );
  });

  it("a malformed key stops start-up, naming the variable", () => {
    process.env.EXOARMUR_SECRET_KEY = "short";
    expect(() => ensureSecretKey({ dataDir: dir, create: true, log: () => {} })).toThrow(
      /EXOARMUR_SECRET_KEY/,
    );
    delete process.env.EXOARMUR_SECRET_KEY;
    writeFileSync(join(dir, SECRET_KEY_FILE), "short\n", { mode: 0o600 });
    expect(() => ensureSecretKey({ dataDir: dir, create: true, log: () => {} })).toThrow(/secret-key/);
  });
});
