import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

/**
 * One PrismaClient per process, kept on globalThis: Next can instantiate a module more than once
 * (instrumentation chunk vs route chunks), and DATABASE_URL is known only after the embedded server
 * is up, so the client is created lazily.
 */
export type Db = PrismaClient;

export function createDb(url: string, poolSize = 20): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolSize }) });
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
