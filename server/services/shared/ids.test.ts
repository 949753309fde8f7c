import { describe, expect, it } from "vitest";
import { newId, switchToSequentialIds } from "./ids";

describe("newId", () => {
  it("ids are the prefix and 128 random bits in base64url, distinct across many refills of the pool", () => {
    const ids = Array.from({ length: 20_000 }, () => newId("dec"));
    for (const id of ids) expect(id).toMatch(/^dec_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // No two ids share their random part, whatever their prefix.
    const tails = [...ids, ...Array.from({ length: 1000 }, () => newId("int"))].map((id) => id.slice(4));
    expect(new Set(tails).size).toBe(tails.length);
  });

  it("the sequential source (examples) numbers per prefix, and random ids come back after it", () => {
    const restore = switchToSequentialIds();
    expect([newId("dec"), newId("dec"), newId("int")]).toEqual(["dec_0001", "dec_0002", "int_0001"]);
    restore();
    expect(newId("dec")).toMatch(/^dec_[A-Za-z0-9_-]{22}$/);
  });
});
