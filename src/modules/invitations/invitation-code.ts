import { randomBytes } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so codes read aloud and typed by hand survive. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 4;
const GROUP_LENGTH = 4;
const LENGTH = GROUPS * GROUP_LENGTH;

/** 16 symbols × 5 bits = 80 random bits, shown as `XXXX-XXXX-XXXX-XXXX`. */
export function generateInvitationCode(): string {
  const bytes = randomBytes(LENGTH);
  let symbols = '';
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  for (const byte of bytes) symbols += ALPHABET[byte & 31];
  return format(symbols);
}

/**
 * The canonical form of what a person typed: case, dashes and spaces do not
 * matter, and the usual misreadings (O for 0, I or L for 1) are forgiven.
 * Undefined when it cannot be a code.
 */
export function normalizeInvitationCode(input: string): string | undefined {
  const symbols = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (symbols.length !== LENGTH || ![...symbols].every((symbol) => ALPHABET.includes(symbol))) return undefined;
  return format(symbols);
}

function format(symbols: string): string {
  const groups: string[] = [];
  for (let i = 0; i < LENGTH; i += GROUP_LENGTH) groups.push(symbols.slice(i, i + GROUP_LENGTH));
  return groups.join('-');
}
