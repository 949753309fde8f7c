import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { admitTrpcRequest } from "@/server/api/trpc-ingress";

export const dynamic = "force-dynamic";

// Authenticated and bounded before tRPC reads the body (server/api/trpc-ingress.ts).
const handler = (request: Request) =>
  admitTrpcRequest(request, (admitted, ctx) =>
    fetchRequestHandler({
      endpoint: "/api/trpc",
      req: admitted,
      router: appRouter,
      allowMethodOverride: true,
      // A page batches a handful of queries; a request with hundreds is not a page.
      maxBatchSize: 20,
      createContext: () => ctx,
    }),
  );

export { handler as GET, handler as POST };
