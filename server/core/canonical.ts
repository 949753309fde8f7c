// RFC 8785 (JCS) canonical JSON. Every hash and signature in ExoArmur is taken over this form,
// so two machines that agree on a value agree on its bytes.
//
// Written here rather than taken from the `canonicalize` package (which the tests use as the
// oracle, with RFC 8785's own vectors) for one reason: verifying a bundle canonicalizes the same
// sub-objects several times (intent inside input inside the signed bundle), and an optional memo
// turns that into one pass. Numbers and strings use ECMAScript's JSON serialization, which is
// exactly what RFC 8785 specifies; keys sort by UTF-16 code units, as `Array.prototype.sort` does.

export type CanonicalMemo = WeakMap<object, string>;

const SURROGATE = /[\uD800-\uDFFF]/;

export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function string(text: string): string {
  if (SURROGATE.test(text) && hasLoneSurrogate(text))
    throw new TypeError("lone surrogate is not allowed in canonical JSON");
  return JSON.stringify(text);
}

/**
 * Object keys repeat across events and bundles (tenantId, seq, payload…), and quoting one means a
 * surrogate scan and a JSON.stringify: their quoted form is kept. Short keys only, and only so many,
 * so a hostile document cannot grow it without bound; beyond, keys are quoted each time as before.
 */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;
const MAX_QUOTED_KEY_LENGTH = 64;

function quotedKey(key: string): string {
  const known = quotedKeys.get(key);
  if (known !== undefined) return known;
  const quoted = string(key);
  if (key.length <= MAX_QUOTED_KEY_LENGTH && quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  return quoted;
}

function serialize(value: unknown, memo: CanonicalMemo | undefined, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      return string(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not allowed in canonical JSON`);
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      const cached = memo?.get(value);
      if (cached !== undefined) return cached;
      if (seen.has(value)) throw new TypeError("circular reference in canonical JSON");
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = "[";
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          out += `${i ? "," : ""}${item === undefined || typeof item === "function" || typeof item === "symbol" ? "null" : serialize(item, memo, seen)}`;
        }
        out += "]";
      } else {
        const source =
          typeof (value as { toJSON?: unknown }).toJSON === "function"
            ? (value as { toJSON: () => unknown }).toJSON()
            : value;
        if (source !== value) {
          out = serialize(source, memo, seen);
        } else {
          const record = value as Record<string, unknown>;
          out = "{";
          let first = true;
          for (const key of Object.keys(record).sort()) {
            const item = record[key];
            if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
            out += `${first ? "" : ","}${quotedKey(key)}:${serialize(item, memo, seen)}`;
            first = false;
          }
          out += "}";
        }
      }
      seen.delete(value);
      memo?.set(value, out);
      return out;
    }
    default:
      throw new TypeError(`${typeof value} has no JSON representation`);
  }
}

/** JCS of `value`; pass a memo to reuse the serialization of objects seen before (do not mutate them meanwhile). */
export function canonicalJson(value: unknown, memo?: CanonicalMemo): string {
  return serialize(value, memo, new Set());
}

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
