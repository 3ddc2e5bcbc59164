import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { SOCKET_EVENT_NAMES } from './socket-events';

const ROOT = join(__dirname, '..', '..');
const MODULES = join(ROOT, 'src', 'modules');
const CHANNEL_OF = { root: 'root', voice: 'voice', ws: 'ws' } as const;
type Surface = keyof typeof CHANNEL_OF;

/** Every `.ts` file under a folder, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Event names a gateway handles, read from the code itself: `@SubscribeMessage('x')` and the raw `socket.on('x', …)` binding. */
function handledByGateways(): { root: string[]; voice: string[] } {
  const found = { root: [] as string[], voice: [] as string[] };
  for (const file of sources(MODULES).filter((path) => path.endsWith('.gateway.ts'))) {
    const code = readFileSync(file, 'utf8');
    // `@WebSocketGateway({ namespace: NAMESPACE })` with the constant in the same file; no namespace is `/`.
    const namespace = /@WebSocketGateway\(\s*\{\s*namespace/.test(code) && /['"]\/voice['"]/.test(code) ? 'voice' : 'root';
    for (const match of code.matchAll(/@SubscribeMessage\(\s*['"]([^'"]+)['"]/g)) found[namespace].push(match[1]);
    for (const match of code.matchAll(/socket\.on\(\s*['"]([^'"]+)['"]/g)) if (match[1] !== 'disconnect') found[namespace].push(match[1]);
  }
  return found;
}

describe('docs/asyncapi.yaml', () => {
  let document: NonNullable<Awaited<ReturnType<Parser['parse']>>['document']>;

  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(readFileSync(join(ROOT, 'docs', 'asyncapi.yaml'), 'utf8'));
    // Spectral severities: 0 error, 1 warning; information and hints (e.g. "a newer version exists") do not fail.
    expect(diagnostics.filter((d) => Number(d.severity) <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(parsed).toBeDefined();
    document = parsed!;
  }, 30_000);

  /** Event names per direction on one channel, from its operations (`send`: server to client). */
  function names(surface: Surface, action: 'send' | 'receive'): Set<string> {
    const channel = document.channels().get(CHANNEL_OF[surface])!;
    const result = new Set<string>();
    for (const operation of channel.operations().all()) {
      if (operation.action() !== action) continue;
      for (const message of operation.messages().all()) result.add(message.name()!);
    }
    return result;
  }

  it('describes the two Socket.IO namespaces and /ws', () => {
    expect(
      document
        .channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['/', '/voice', '/ws']);
  });

  it.each(['root', 'voice', 'ws'] as const)('lists exactly the events of the typed contract on %s, both ways', (surface) => {
    expect([...names(surface, 'send')].filter((name) => !name.startsWith('AudioDataBinary')).sort()).toEqual(
      [...SOCKET_EVENT_NAMES[surface].serverToClient].sort(),
    );
    expect([...names(surface, 'receive')].filter((name) => !name.startsWith('AudioDataBinary')).sort()).toEqual(
      [...SOCKET_EVENT_NAMES[surface].clientToServer].sort(),
    );
  });

  it('covers every event a gateway handles', () => {
    const handled = handledByGateways();
    expect(handled.root.length).toBeGreaterThan(0);
    expect(handled.voice).toContain('AudioData');
    for (const surface of ['root', 'voice'] as const) {
      const received = names(surface, 'receive');
      expect(handled[surface].filter((name) => !received.has(name))).toEqual([]);
    }
  });

  it('answers acks and errors, and documents the binary audio frames', () => {
    for (const operation of document.operations().all()) {
      if (operation.action() === 'receive' && operation.channels().all()[0]?.address() !== '/ws')
        expect([operation.id(), operation.reply()]).toEqual([operation.id(), expect.anything()]);
    }
    expect(names('root', 'send')).toContain('error');
    expect(names('voice', 'send')).toContain('error');
    expect(names('ws', 'send')).toContain('Error');
    const binary = document.components().messages().get('AudioDataBinaryIn')!;
    expect(binary.contentType()).toBe('application/octet-stream');
    expect(binary.description()).toContain('| 22 | f64 | timestamp');
  });
});
