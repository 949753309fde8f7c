import { describe, expect, it } from "vitest";
import { windowCounter } from "./window-counter";

describe("windowCounter", () => {
  it("counts per key within a window and starts over after it", () => {
    const counter = windowCounter(60_000);
    expect(counter.hit("a", 0)).toBe(1);
    expect(counter.hit("a", 1000)).toBe(2);
    expect(counter.hit("b", 1000)).toBe(1);
    expect(counter.retryAfterSeconds("a", 1000)).toBe(59);
    expect(counter.count("a", 60_000)).toBe(0);
    expect(counter.hit("a", 60_000)).toBe(1);
  });

  it("stays within its size bound: expired windows go first, then the oldest", () => {
    const counter = windowCounter(1000, 3);
    counter.hit("a", 0);
    counter.hit("b", 0);
    counter.hit("c", 500);
    counter.hit("d", 1200); // a and b expired: swept
    expect(counter.count("c", 1200)).toBe(1);
    counter.hit("e", 1300);
    counter.hit("f", 1300); // full of live windows: the oldest (c) goes
    expect(counter.count("c", 1300)).toBe(0);
    expect(counter.count("f", 1300)).toBe(1);
  });
});
