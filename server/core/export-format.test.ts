import { describe, expect, it } from "vitest";
import { csvCell, csvLine, toCsv, toJsonl } from "./export-format";

describe("CSV export", () => {
  it("prefixes formula-looking cells with a quote", () => {
    for (const bad of ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
      expect(csvCell(bad).replace(/^"/, "")[0]).toBe("'");
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell("host.isolate")).toBe("host.isolate");
  });
  it("quotes commas, quotes and line breaks, and leaves empty for null", () => {
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(3)).toBe("3");
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvLine(["a", "b"])).toBe("a,b\r\n");
  });
  it("writes a header and one line per row; JSONL one object per line", () => {
    expect(toCsv(["id", "verdict"], [{ id: "d1", verdict: "ALLOW" }])).toBe("id,verdict\r\nd1,ALLOW\r\n");
    expect(toJsonl([{ a: 1 }, { b: "x" }])).toBe('{"a":1}\n{"b":"x"}\n');
  });
});
