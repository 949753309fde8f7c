import { json, readJson, route } from "@/server/api/http";
import { createPerson } from "@/server/services/users/users";

export const dynamic = "force-dynamic";

/** A person (platform admin): the one a key acts for and whose votes count once. */
export function POST(request: Request) {
  return route("POST /api/v1/users", request, async ({ db, principal }) =>
    json(await createPerson(db, principal, await readJson(request)), 201),
  );
}
