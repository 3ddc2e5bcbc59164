import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');
/** Screenshots and the generated microphone tone; under .cache, which git ignores. */
export const OUTPUT_DIR = join(ROOT, '.cache', 'test-output', 'console');

/** Debian's chromium, installed when missing and the machine allows (root); otherwise one line saying how. */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error('Chromium is missing: install it with `sudo apt-get install -y chromium` (Debian), then run the tests again');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: 'ignore', timeout: 600_000 });
  if (!existsSync(CHROMIUM)) throw new Error('apt-get did not install chromium: install it with `apt-get install -y chromium`');
}

/** Builds the console bundle into dist/console (what configureApp serves), so the test never sees a stale one. */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs')], { cwd: ROOT, stdio: 'ignore', timeout: 60_000 });
}

/**
 * The fake microphone: 48 kHz mono 16-bit PCM, a 440 Hz tone whose loudness
 * swings three times a second, so that a level meter fed by it must move.
 */
export function writeToneWav(path: string, seconds = 2): void {
  const rate = 48_000;
  const samples = rate * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const envelope = 0.55 + 0.4 * Math.sin(2 * Math.PI * 3 * t);
    wav.writeInt16LE(Math.round(16000 * envelope * Math.sin(2 * Math.PI * 440 * t)), 44 + i * 2);
  }
  writeFileSync(path, wav);
}

export interface TestBrowser {
  browser: Browser;
  /** A page in a fresh browser context (its own localStorage), with uncaught page errors collected. */
  newPage(width?: number, height?: number): Promise<Page>;
  pageErrors: string[];
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Headless Chromium with fake media devices (the tone above as microphone) and loopback WebRTC allowed. */
export async function launchBrowser(): Promise<TestBrowser> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const tone = join(OUTPUT_DIR, 'tone.wav');
  writeToneWav(tone);
  const userDataDir = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: false,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${tone}`,
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      `--user-data-dir=${userDataDir}`,
    ],
    defaultViewport: null,
  });
  const pageErrors: string[] = [];
  return {
    browser,
    pageErrors,
    newPage: async (width = 1280, height = 800) => {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width, height });
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      // CONSOLE_TEST_DEBUG=1 prints what the pages log and fetch: the first thing to look at when a browser step hangs.
      if (process.env.CONSOLE_TEST_DEBUG) {
        page.on('console', (message) => process.stderr.write(`[page ${message.type()}] ${message.text()}\n`));
        page.on('requestfailed', (request) => process.stderr.write(`[request failed] ${request.url()} ${request.failure()?.errorText}\n`));
        page.on('response', (response) => process.stderr.write(`[response] ${response.status()} ${response.url()}\n`));
      }
      return page;
    },
    screenshot: async (page, name) => {
      await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
