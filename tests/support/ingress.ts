// Helpers for the ingress tests: sending a large body the way an attacker would (declared with
// Content-Length, or chunked without one) and watching the server's resident memory meanwhile.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";

const MiB = 1024 * 1024;

export interface LargeBodyAnswer {
  status: number;
  text: string;
  /** How many bytes were written before the server answered. */
  written: number;
}

/**
 * POSTs `bytes` of JSON-ish filler in 1 MiB chunks, stopping as soon as the server answers (a
 * server that bounds bodies answers long before the end). Chunked when `chunked` (no Content-Length).
 */
export function sendLargeBody(
  baseUrl: string,
  path: string,
  options: { bytes: number; chunked: boolean; headers?: Record<string, string> },
): Promise<LargeBodyAnswer> {
  const url = new URL(path, baseUrl);
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    ...(options.headers ?? {}),
  };
  if (!options.chunked) headers["content-length"] = options.bytes;
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const request = http.request(url, { method: "POST", headers }, (response) => {
      answered = true;
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, text, written });
      });
    });
    // The server may close the connection while we still write: that is its right; the answer counts.
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(MiB, 0x20);
    const pump = () => {
      while (!answered && written < options.bytes) {
        written += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

/** The pid listening on the port (the Next server), as `ss` shows it. */
export function listeningPid(baseUrl: string): number {
  const port = new URL(baseUrl).port;
  const line = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const match = /pid=(\d+)/.exec(line);
  if (!match) throw new Error(`nobody listens on ${port}`);
  return Number(match[1]);
}

/** Resident memory of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Runs `work` while sampling the process's RSS every 25 ms; returns its result and the peak growth. */
export async function peakRssGrowth<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; growth: number }> {
  const baseline = rssBytes(pid);
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 25);
  try {
    const result = await work();
    await new Promise((r) => setTimeout(r, 100));
    peak = Math.max(peak, rssBytes(pid));
    return { result, growth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}
