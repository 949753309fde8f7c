import { readFileSync } from "node:fs";

/** Reads and parses a JSON file, or says in one line why it could not (for exit code 2 messages). */
export function readJsonFile(file: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message;
    return { ok: false, message: `cannot read ${file}: ${why}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: `${file} is not JSON: ${(error as Error).message.replace(/\s+/g, " ")}` };
  }
}
