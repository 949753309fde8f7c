/** Next.js calls register() once per server process before serving requests. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // Under `npm start` the server (server/http/main.ts) has started tracing already: a no-op then.
    await (await import("./server/telemetry/tracing")).startTracing();
    const { boot } = await import("./server/boot");
    await boot();
  }
}
