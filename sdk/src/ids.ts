/** Random ids for events and sessions, from the platform's crypto (browsers and Node 20+ alike). */

type CryptoLike = Partial<Pick<Crypto, 'randomUUID' | 'getRandomValues'>>;

/**
 * A random UUID v4: `crypto.randomUUID` where there is one (it needs a secure context in
 * browsers, so a page on plain http has none), else one built from `crypto.getRandomValues`.
 */
export function randomId(crypto: CryptoLike | undefined = globalThis.crypto): string {
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  // No crypto at all (very old runtimes): ids only need to be unique, not secret.
  else for (let i = 0; i < 16; i++) bytes[i] = (Math.random() * 256) | 0;
  // Version 4 and the RFC 9562 variant bits.
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let hex = '';
  for (const b of bytes) hex += (b + 0x100).toString(16).slice(1);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
