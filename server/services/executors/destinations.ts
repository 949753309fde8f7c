// The configuration-time half of the webhook destination rules (issue 11 §1): a URL whose host is
// an internal address, in whatever spelling, is refused with a 400 naming the rule. Names are
// checked on what they resolve to when the request is made (server/net/guarded-request.ts).

import type { FieldError } from "../../core";
import { allowedNetworksFromEnv, urlDestinationRefusal } from "../../net/destination";
import type { ExecutorConfig } from "./config";

export function destinationProblems(config: ExecutorConfig): FieldError[] {
  const allowed = allowedNetworksFromEnv();
  return config.routes.flatMap((route, r) => {
    if (route.type !== "webhook") return [];
    const refusal = urlDestinationRefusal(route.url, allowed);
    return refusal ? [{ path: `routes[${r}].url`, message: refusal.message }] : [];
  });
}
