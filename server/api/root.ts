import { eventsRouter } from "./routers/events";
import { router } from "./trpc";

export const appRouter = router({ events: eventsRouter });
export type AppRouter = typeof appRouter;
