import { originAllowed } from './cors';

describe('originAllowed', () => {
  const allowed = new Set(['http://localhost:5175']);

  it('allows requests without an Origin (not from a browser) and allow-listed origins', () => {
    expect(originAllowed(undefined, 'api.example:3000', allowed)).toBe(true);
    expect(originAllowed('http://localhost:5175', 'api.example:3000', allowed)).toBe(true);
  });

  it("allows the service's own origin: the Host the request was sent to", () => {
    expect(originAllowed('http://127.0.0.1:43001', '127.0.0.1:43001', allowed)).toBe(true);
    expect(originAllowed('https://Console.Example', 'console.example', allowed)).toBe(true);
    expect(originAllowed('http://console.example:80', 'console.example', allowed)).toBe(true);
  });

  it('refuses any other origin, an opaque one, and any origin when the Host is unknown', () => {
    expect(originAllowed('http://evil.example', 'api.example:3000', allowed)).toBe(false);
    expect(originAllowed('http://api.example:3001', 'api.example:3000', allowed)).toBe(false);
    expect(originAllowed('http://api.example.evil.example:3000', 'api.example:3000', allowed)).toBe(false);
    expect(originAllowed('null', 'api.example:3000', allowed)).toBe(false);
    expect(originAllowed('http://api.example:3000', undefined, allowed)).toBe(false);
  });
});
