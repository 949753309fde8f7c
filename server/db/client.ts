// The database handle: Prisma for the use cases, its underlying `pg` pool for the one hot path
// (submitIntent) that is written as a few hand-made statements, and LISTEN (db/notifications.ts: one
// more connection, opened only when something listens). One per process, kept on globalThis: Next
// can instantiate a module more than once, and DATABASE_URL is known only after the embedded server
// is up, so it is created lazily. `$disconnect()` closes all three.

import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "./generated/client";
import { Notifications } from "./notifications";
import { createPool } from "./pool";

export type Db = PrismaClient & { readonly pool: pg.Pool; readonly notifications: Notifications };

export function createDb(url: string, poolSize = 20): Db {
  const pool = createPool(url, poolSize);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  const notifications = new Notifications(url);
  const disconnect = prisma.$disconnect.bind(prisma);
  return Object.assign(prisma, {
    pool,
    notifications,
    // The LISTEN connection too, or a test or CLI command that authenticated would never exit.
    async $disconnect() {
      await notifications.close();
      await disconnect();
    },
  });
}

const holder = globalThis as unknown as { __exoarmurDb?: Db };

export function getDb(): Db {
  if (!holder.__exoarmurDb) {
    const url = process.env.DATABASE_URL;
    if (!url)
      throw new Error("DATABASE_URL is not set (the server sets it after starting the embedded database)");
    holder.__exoarmurDb = createDb(url);
  }
  return holder.__exoarmurDb;
}

export async function closeDb(): Promise<void> {
  const db = holder.__exoarmurDb;
  holder.__exoarmurDb = undefined;
  await db?.$disconnect();
}
