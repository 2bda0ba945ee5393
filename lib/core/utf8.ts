/**
 * Response bodies as text, strictly. JSON is UTF-8 (RFC 8259): a lenient decoder would turn
 * broken bytes into U+FFFD and let a corrupt answer pass. The BOM is kept, so a BOM-prefixed
 * body stays "not JSON".
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text, or `undefined` when they are not valid UTF-8. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
