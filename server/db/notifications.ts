// PostgreSQL LISTEN on one dedicated connection per `Db` (a plain pg.Client on the same URL; a pooled
// connection cannot hold a LISTEN). Opened on the first `listen()`, so a process that never listens
// (the CLI) never opens it; closed by `db.$disconnect()`.
//
// A notification sent while the connection is down is lost, so subscribers are told: `live` is true
// only while LISTEN is in effect on a connected client, and `reset()` is called each time it (re)starts
// — what was learnt before may be stale. A lost connection ('error', 'end', or a heartbeat that gets
// no answer: a silently dropped connection never reports itself) is reopened with backoff.
//
// The connection must reach PostgreSQL itself or a session-mode pooler: in transaction mode (e.g.
// PgBouncer's) LISTEN does not hold.

import pg from "pg";

export interface ChannelHandler {
  /** A notification on the channel (delivered after the notifying transaction committed). */
  notify(payload: string): void;
  /** LISTEN on the channel has (re)started: notifications sent before may have been missed. */
  reset(): void;
}

export interface Listening {
  /** LISTEN is in effect: every notification committed from now on will arrive. */
  readonly live: boolean;
}

export interface NotificationsOptions {
  /** Shown in pg_stat_activity.application_name. */
  applicationName?: string;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

interface Channel {
  handlers: Set<ChannelHandler>;
  live: boolean;
  /** The client a LISTEN for this channel is in flight on. */
  pendingOn: pg.Client | null;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class Notifications {
  readonly #url: string;
  readonly #options: Required<NotificationsOptions>;
  readonly #channels = new Map<string, Channel>();
  #client: pg.Client | null = null;
  #connected = false;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(url: string, options: NotificationsOptions = {}) {
    this.#url = url;
    this.#options = {
      applicationName: "exoarmur-listen",
      heartbeatMs: 5000,
      heartbeatTimeoutMs: 2000,
      minBackoffMs: 100,
      maxBackoffMs: 5000,
      log: (line) => logged("info", line),
      ...options,
    };
  }

  /** Subscribes to `channel` (a lower-case identifier); the first subscription opens the connection. */
  listen(channel: string, handler: ChannelHandler): Listening {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`invalid channel name ${JSON.stringify(channel)}`);
    let entry = this.#channels.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), live: false, pendingOn: null };
      this.#channels.set(channel, entry);
    }
    entry.handlers.add(handler);
    const seen = entry;
    if (this.#client && this.#connected) void this.#listenOn(this.#client, channel);
    else if (!this.#client && !this.#retry) this.#connect();
    return {
      get live() {
        return seen.live;
      },
    };
  }

  /** Closes the connection and stops reconnecting; `listen()` afterwards does nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const client = this.#client;
    this.#drop();
    await client?.end().catch(() => {});
  }

  #connect(): void {
    if (this.#closed || this.#client) return;
    const client = new pg.Client({
      connectionString: this.#url,
      application_name: this.#options.applicationName,
      keepAlive: true,
    });
    this.#client = client;
    client.on("error", (error) => this.#lost(client, error));
    client.on("end", () => this.#lost(client, new Error("connection ended")));
    client.on("notification", (message) => {
      if (client !== this.#client) return;
      const channel = this.#channels.get(message.channel);
      if (!channel?.live) return;
      for (const handler of channel.handlers) call(() => handler.notify(message.payload ?? ""));
    });
    client
      .connect()
      .then(async () => {
        if (client !== this.#client) return;
        this.#connected = true;
        for (const name of [...this.#channels.keys()]) await this.#listenOn(client, name);
        if (client !== this.#client) return;
        if (this.#failures > 0) this.#options.log(`LISTEN connection restored (attempt ${this.#failures})`);
        this.#failures = 0;
        this.#startHeartbeat(client);
      })
      .catch((error: Error) => this.#lost(client, error));
  }

  async #listenOn(client: pg.Client, name: string): Promise<void> {
    const channel = this.#channels.get(name)!;
    if (channel.live || channel.pendingOn === client) return;
    channel.pendingOn = client;
    try {
      await client.query(`LISTEN ${name}`);
    } catch (error) {
      this.#lost(client, error as Error);
      return;
    } finally {
      if (channel.pendingOn === client) channel.pendingOn = null;
    }
    if (client !== this.#client) return;
    channel.live = true;
    for (const handler of channel.handlers) call(() => handler.reset());
  }

  #startHeartbeat(client: pg.Client): void {
    let beating = false;
    this.#heartbeat = setInterval(() => {
      if (beating || client !== this.#client) return;
      beating = true;
      const timeout = setTimeout(
        () =>
          this.#lost(client, new Error(`no answer to a heartbeat in ${this.#options.heartbeatTimeoutMs} ms`)),
        this.#options.heartbeatTimeoutMs,
      );
      client
        .query("SELECT 1")
        .catch((error: Error) => this.#lost(client, error))
        .finally(() => {
          clearTimeout(timeout);
          beating = false;
        });
    }, this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Forgets the current client: nothing is live any more. */
  #drop(): void {
    this.#client = null;
    this.#connected = false;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const channel of this.#channels.values()) {
      channel.live = false;
      channel.pendingOn = null;
    }
  }

  #lost(client: pg.Client, error: Error): void {
    if (client !== this.#client) return;
    this.#drop();
    // Ends a connection that is still open (a heartbeat timed out); an ended one is a no-op.
    client.end().catch(() => {});
    if (this.#closed) return;
    if (this.#failures === 0) this.#options.log(`LISTEN connection lost (${error.message}); reconnecting`);
    const { minBackoffMs, maxBackoffMs } = this.#options;
    const delay = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#failures, 16));
    this.#failures++;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect();
    }, delay);
    this.#retry.unref();
  }
}

/** A subscriber's exception must not stop the others, nor reach pg's event emitter. */
function call(work: () => void): void {
  try {
    work();
  } catch (error) {
    logged("error", "a notification handler failed", error);
  }
}

/**
 * The server's logger, loaded when there is something to say: a CLI command that opens the
 * database does not load pino for lines it never writes.
 */
function logged(level: "info" | "error", message: string, error?: unknown): void {
  void import("../telemetry/log").then(({ componentLogger }) =>
    componentLogger("notifications")[level](error === undefined ? {} : { err: error }, message),
  );
}
