import { generateInvitationCode, normalizeInvitationCode } from './invitation-code';

describe('invitation codes', () => {
  it('are four groups of four Crockford base32 symbols, and differ', () => {
    const codes = new Set(Array.from({ length: 1000 }, generateInvitationCode));
    expect(codes.size).toBe(1000);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  });

  it('use every symbol of the alphabet (no bias towards a subset)', () => {
    const seen = new Set(Array.from({ length: 200 }, generateInvitationCode).join('').replace(/-/g, ''));
    expect(seen.size).toBe(32);
  });

  it('normalize case, dashes, spaces and the usual misreadings', () => {
    expect(normalizeInvitationCode('abcd-efgh-jkmn-pqrs')).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(normalizeInvitationCode(' 0o1i LlAB cdef 2345 ')).toBe('0011-11AB-CDEF-2345');
    expect(normalizeInvitationCode('ABCDEFGHJKMNPQRS')).toBe('ABCD-EFGH-JKMN-PQRS');
  });

  it('refuse what cannot be a code', () => {
    expect(normalizeInvitationCode('ABCD-EFGH-JKMN-PQR')).toBeUndefined();
    expect(normalizeInvitationCode('ABCD-EFGH-JKMN-PQRSX')).toBeUndefined();
    expect(normalizeInvitationCode('ABCD-EFGH-JKMN-PQR!')).toBeUndefined();
    expect(normalizeInvitationCode('UUUU-EFGH-JKMN-PQRS')).toBeUndefined();
  });
});
