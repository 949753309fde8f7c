import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServer, type LocalNats, startNatsServer } from "../../server/events/nats-server";
import { freePort } from "../../server/net/free-port";

/** A real nats-server with JetStream in a temporary directory, for one test file. */
export async function startTestNats(): Promise<{ nats: LocalNats; stop: () => Promise<void> }> {
  const binary = findNatsServer();
  if (!binary)
    throw new Error("nats-server is not installed (apt-get install nats-server); npm test installs it");
  const dir = mkdtempSync(join(tmpdir(), "exoarmur-nats-"));
  const nats = await startNatsServer(binary, dir, await freePort());
  return {
    nats,
    stop: async () => {
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
