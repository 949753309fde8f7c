// Human names for principal labels as the chain records them (`user:<id>`, `apiKey:<id>`), so
// pages can show "olga@example.com" where the record keeps the stable id. Unknown labels are left out.

import type { Tx } from "../shared/transaction";

export async function principalNames(db: Tx, labels: Iterable<string>): Promise<Record<string, string>> {
  const users = new Set<string>();
  const keys = new Set<string>();
  for (const label of labels) {
    if (label.startsWith("user:")) users.add(label.slice(5));
    else if (label.startsWith("apiKey:")) keys.add(label.slice(7));
  }
  const names: Record<string, string> = {};
  if (users.size > 0) {
    for (const u of await db.user.findMany({
      where: { id: { in: [...users] } },
      select: { id: true, email: true },
    }))
      names[`user:${u.id}`] = u.email;
  }
  if (keys.size > 0) {
    for (const k of await db.apiKey.findMany({
      where: { id: { in: [...keys] } },
      select: { id: true, name: true },
    }))
      names[`apiKey:${k.id}`] = `API key "${k.name}"`;
  }
  return names;
}
