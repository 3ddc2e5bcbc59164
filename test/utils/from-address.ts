import { request } from 'node:http';

/**
 * A JSON POST sent from a chosen loopback address (127.0.0.2, 127.0.0.3, …: all
 * of 127/8 reaches the loopback interface), so a test can play several clients
 * by their socket address without trusting any forwarded header.
 */
export function postFrom(
  localAddress: string,
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.once('error', reject);
    req.end(payload);
  });
}
