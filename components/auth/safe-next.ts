// Where to go after sign-in: only a path on this site (issue 11 §2). A browser or the router reads
// more forms as "another host" than a URL parser's origin check catches: `/.//host` resolves to the
// path `//host`, which is then protocol-relative; `/\host` is `//host` to a browser; tabs and
// newlines inside a URL are dropped; and percent-encoded slashes, backslashes and dots become those
// characters again once something decodes them. So the value must be a plain absolute path — no
// empty or dot segments, no backslash, no control or space character, decoded or not — and must
// still be on this origin after resolution.

const FALLBACK = "/dashboard";
/** Anything a browser drops or reads as a separator, once decoded: backslash, controls, whitespace. */
const UNSAFE_CHARACTER = /[\\\p{Cc}\p{Cf}\p{Z}\s]/u;
const CONTROL = /\p{Cc}/u;
/** An empty segment (`//`) or a dot segment (`/./`, `/../`, or either at the end). */
const UNSAFE_SEGMENT = /\/\/|\/\.\.?(?:\/|$)/;

/** Decodes until nothing changes (bounded): what any layer that decodes once more would see. */
function fullyDecoded(text: string): string | null {
  let current = text;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null;
}

export function safeNextPath(next: string | null, origin: string): string {
  if (!next?.startsWith("/")) return FALLBACK;
  // Browsers drop raw tabs and newlines anywhere in a URL; encoded ones in the query are just data.
  if (CONTROL.test(next)) return FALLBACK;
  const path = fullyDecoded(next.split(/[?#]/, 1)[0]!);
  if (path === null || !path.startsWith("/")) return FALLBACK;
  if (UNSAFE_CHARACTER.test(path) || UNSAFE_SEGMENT.test(path)) return FALLBACK;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return FALLBACK;
  }
  if (url.origin !== origin || url.pathname.startsWith("//")) return FALLBACK;
  return `${url.pathname}${url.search}${url.hash}`;
}
