// The process's JetStream connection, once boot has made one (null: JetStream disabled or not yet connected).

import type { JetStream } from "./jetstream";

const holder = globalThis as unknown as { __exoarmurJetStream?: JetStream | null };

export function setLiveJetStream(js: JetStream | null): void {
  holder.__exoarmurJetStream = js;
}

export function liveJetStream(): JetStream | null {
  return holder.__exoarmurJetStream ?? null;
}
