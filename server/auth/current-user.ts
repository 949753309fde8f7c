import { headers } from "next/headers";
import { cache } from "react";
import { getSessionUser } from "./auth";

/**
 * The signed-in user of the request being rendered, looked up once per request however many
 * layouts, pages and server-side prefetches ask (React's per-request cache).
 */
export const currentUser = cache(async () => getSessionUser(await headers()));
