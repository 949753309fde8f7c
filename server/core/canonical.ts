import canonicalize from "canonicalize";

/**
 * RFC 8785 (JCS) canonical JSON. Every hash and signature in ExoArmur is taken over this form,
 * so two machines that agree on a value agree on its bytes.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
