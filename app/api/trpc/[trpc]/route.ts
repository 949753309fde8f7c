import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";

export const dynamic = "force-dynamic";

const handler = (request: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    allowMethodOverride: true,
    // A page batches a handful of queries; a request with hundreds is not a page.
    maxBatchSize: 20,
    createContext: () => createContext(request),
  });

export { handler as GET, handler as POST };
