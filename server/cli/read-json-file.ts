import { readFileSync } from "node:fs";
import { utf8Text } from "./utf8";

type Read<T> = { ok: true; value: T } | { ok: false; message: string };

/** Why `file` could not be read, in one line (for exit code 2 messages). */
export function cannotRead(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message;
  return `cannot read ${file}: ${why}`;
}

/** Reads a UTF-8 text file, or says in one line why it could not (for exit code 2 messages). */
export function readTextFile(file: string): Read<string> {
  try {
    return { ok: true, value: utf8Text(readFileSync(file)) };
  } catch (error) {
    return { ok: false, message: cannotRead(file, error) };
  }
}

/** Reads and parses a JSON file, or says in one line why it could not (for exit code 2 messages). */
export function readJsonFile(file: string): Read<unknown> {
  const read = readTextFile(file);
  if (!read.ok) return read;
  try {
    return { ok: true, value: JSON.parse(read.value) };
  } catch (error) {
    return { ok: false, message: `${file} is not JSON: ${(error as Error).message.replace(/\s+/g, " ")}` };
  }
}
