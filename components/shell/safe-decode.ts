/** A URL segment decoded; a malformed %-escape is kept as it is (it then names nothing that exists). */
export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
