// The REST routes of the fast path, read from the same route files Next serves (app/api/v1/**/
// route.ts and app/api/health/route.ts): one definition of each route, whichever layer answers it.
// `next dev` keeps serving them through Next; `npm start` serves them through Hono (rest-app.ts).

import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

/** A Next route handler: a Web Request (and, on dynamic routes, the params) in, a Response out. */
export type RouteHandler = (
  request: Request,
  context: { params: Promise<Record<string, string>> },
) => Response | Promise<Response>;

export interface RestRoute {
  method: Method;
  /** Hono's pattern: `/api/v1/decisions/:id` for app/api/v1/decisions/[id]/route.ts. */
  path: string;
  handler: RouteHandler;
}

/** The directories under app/ whose routes the fast path serves. */
export const FAST_ROUTE_ROOTS = ["api/v1", "api/health"] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(path);
    return entry.name === "route.ts" ? [path] : [];
  });
}

/** `api/v1/tenants/[id]/route.ts` → `/api/v1/tenants/:id`; a catch-all segment is not supported here. */
export function honoPath(file: string): string {
  const segments = file.split(sep).slice(0, -1);
  return `/${segments
    .map((segment) => {
      if (segment.startsWith("[...") || segment.startsWith("[[")) {
        throw new Error(
          `rest-routes: catch-all segment ${segment} in ${file} is not served by the fast path`,
        );
      }
      return segment.startsWith("[") ? `:${segment.slice(1, -1)}` : segment;
    })
    .join("/")}`;
}

/** Every method every route file exports, sorted so that static segments are registered first. */
export async function loadRestRoutes(appDir: string): Promise<RestRoute[]> {
  const routes: RestRoute[] = [];
  for (const root of FAST_ROUTE_ROOTS) {
    for (const file of routeFiles(join(appDir, root)).sort()) {
      const module = (await import(pathToFileURL(file).href)) as Partial<Record<Method, RouteHandler>>;
      const path = honoPath(relative(appDir, file));
      for (const method of METHODS) {
        const handler = module[method];
        if (typeof handler === "function") routes.push({ method, path, handler });
      }
    }
  }
  return routes;
}
