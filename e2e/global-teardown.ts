import type { TestServer } from "../tests/support/server";

export default async function globalTeardown() {
  const server = (globalThis as { __e2eServer?: TestServer }).__e2eServer;
  await server?.stop();
}
