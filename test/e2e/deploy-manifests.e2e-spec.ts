import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { createTestApp, TestApp } from '../utils/create-test-app';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string }[];
  resources: { requests?: { cpu?: string; memory?: string } };
  startupProbe?: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
}
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: any };

/** The API groups and versions a current cluster serves for each kind these manifests use. */
const KNOWN: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  Ingress: 'networking.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
};

function manifests(): Manifest[] {
  const files = (parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] }).resources;
  return files.flatMap((file) => parseAllDocuments(read(`deploy/k8s/${file}`)).map((document) => document.toJS() as Manifest));
}

describe('deployment files', () => {
  let t: TestApp;
  const all = manifests();
  const byKind = (kind: string) => all.filter((m) => m.kind === kind);
  const deployment = byKind('Deployment')[0];
  const container = deployment.spec.template.spec.containers[0] as Container;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('are well-formed Kubernetes objects of known kinds and versions', () => {
    expect(all.map((m) => m.kind).sort()).toEqual(['Deployment', 'Ingress', 'PodDisruptionBudget', 'Service']);
    for (const m of all) {
      expect([m.kind, m.apiVersion]).toEqual([m.kind, KNOWN[m.kind]]);
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  it('probe paths that the app answers 200 on, on the port it listens on', async () => {
    const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe].filter((p): p is Probe => p !== undefined);
    expect(probes.map((p) => p.httpGet.path)).toEqual(['/health', '/health/live', '/health/ready']);
    for (const probe of probes) {
      await t.http().get(probe.httpGet.path).expect(200);
      expect(container.ports.find((port) => port.name === probe.httpGet.port)?.containerPort).toBe(3000);
    }
    expect(container.env).toContainEqual({ name: 'PORT', value: '3000' });
  });

  it('drain before they stop: preStop, readiness drain and the shutdown deadline fit in the grace period', () => {
    const [command, seconds] = container.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    const drainMs = Number(container.env.find((e) => e.name === 'SHUTDOWN_DRAIN_MS')?.value);
    expect(drainMs).toBeGreaterThan(0);
    expect(drainMs).toBeLessThanOrEqual(5000);
    const shutdownDeadlineS = 10;
    expect(Number(seconds) + drainMs / 1000 + shutdownDeadlineS).toBeLessThanOrEqual(deployment.spec.template.spec.terminationGracePeriodSeconds);
    expect(container.readinessProbe).toMatchObject({ failureThreshold: 1 });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  });

  it('select the same pods everywhere, keep Socket.IO clients on one pod and keep one pod through disruptions', () => {
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    const [service] = byKind('Service');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    const [pdb] = byKind('PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const [ingress] = byKind('Ingress');
    expect(ingress.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/affinity': 'cookie' });
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: service.metadata.name, port: { name: 'http' } });
  });

  it('compose and the image check health on paths the app serves, and start in dependency order', async () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { healthcheck?: { test: string[] }; depends_on?: unknown; restart?: string }>;
    };
    for (const [name, service] of Object.entries(compose.services)) {
      expect([name, service.healthcheck?.test]).toEqual([name, expect.any(Array)]);
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
    }
    for (const name of ['app1', 'app2']) {
      expect(compose.services[name].depends_on).toEqual({ mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:22-/m);
    const paths = [
      ...dockerfile.matchAll(/HEALTHCHECK[\s\S]*?'(\/health[^']*)'/g),
      ...read('docker-compose.yml').matchAll(/http:\/\/127\.0\.0\.1:3000(\/health[^'"]*)/g),
    ].map((m) => m[1]);
    expect(paths.length).toBeGreaterThanOrEqual(2);
    for (const path of paths) await t.http().get(path).expect(200);
    expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['node_modules', '.cache', 'data', 'dist']));
  });
});
