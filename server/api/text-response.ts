// A Response whose body is a string the server made: every JSON answer of the REST API. The fast
// path (server/http/rest-app.ts) writes that string straight to the socket. Read back from the
// Response it would cross a Web stream, and @hono/node-server then waits for a timer when the
// stream's last read is not ready at once: CPU and latency on every answer, for text already held.

const texts = new WeakMap<Response, string>();

/** `new Response(text, init)`, remembered with its text. */
export function textResponse(text: string, init: ResponseInit): Response {
  const response = new Response(text, init);
  texts.set(response, text);
  return response;
}

/** The text a Response was made with by textResponse; undefined for any other Response. */
export function textOf(response: Response): string | undefined {
  return texts.get(response);
}
