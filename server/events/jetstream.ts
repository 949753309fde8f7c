// The stream every committed event is published to: `EXOARMUR_EVENTS`, subjects
// `exoarmur.<tenantId>.<eventType>`, file storage. Its duplicate window must outlast the relay's
// retry horizon: a relay that crashed after publishing re-publishes the same events (same
// `Nats-Msg-Id` = event hash) when it comes back, and the stream must still recognise them.
// Works with nats-server 2.9 (no 2.10-only settings).

import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { connect } from "@nats-io/transport-node";

export const STREAM = "EXOARMUR_EVENTS";
const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

export const subjectFor = (tenantId: string, type: string) => `exoarmur.${tenantId}.${type}`;

export interface JetStream {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export async function connectJetStream(servers: string, name = "exoarmur"): Promise<JetStream> {
  const nc = await connect({
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Every event is one JetStream publish, i.e. one request: without this the client captures a
    // stack trace (an Error) and builds a TimeoutError for each, ~40% of the relay's CPU (issue 13).
    noAsyncTraces: true,
  });
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm);
  return { nc, js: jetstream(nc), jsm };
}

async function ensureStream(jsm: JetStreamManager): Promise<void> {
  const duplicateWindowNs = DUPLICATE_WINDOW_MS * 1_000_000;
  try {
    const info = await jsm.streams.info(STREAM);
    if ((info.config.duplicate_window ?? 0) < duplicateWindowNs || info.config.storage !== StorageType.File) {
      await jsm.streams.update(STREAM, { ...info.config, duplicate_window: duplicateWindowNs });
    }
  } catch (error) {
    if (!/stream not found/i.test((error as Error).message)) throw error;
    await jsm.streams.add({
      name: STREAM,
      subjects: ["exoarmur.>"],
      storage: StorageType.File,
      duplicate_window: duplicateWindowNs,
    });
  }
}
