import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ConfigError, Env, loadConfig } from '../../src/config/load-config';

/**
 * The deployment files (docker/) are checked here, without a Docker engine or a cluster: Kubernetes
 * objects against the API schemas (plus unknown fields), the policies the app depends on (probes on the
 * routes it serves, graceful shutdown inside the grace period, non-root, read-only root filesystem...),
 * and every environment variable against the ones src/config/load-config.ts reads.
 */

const ROOT = resolve(__dirname, '../..');
const K8S_DIR = join(ROOT, 'docker/k8s');
const SECRET_EXAMPLE = 'secret.example.yaml';
const KUSTOMIZATION = 'kustomization.yaml';

/** The one migration command, without ts-node: the compiled data source and the production TypeORM CLI. */
const MIGRATION_COMMAND = [
  'node',
  'node_modules/typeorm/cli.js',
  '-d',
  'dist/ormconfig.js',
  'migration:run',
  '-t',
  'each',
];

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const defaults = loadConfig({}).config;
const strongSecret = () => randomBytes(48).toString('base64');

/** Every variable the app reads: each read.<kind>('NAME' ...) in the config loader, and NODE_ENV. */
const ACCEPTED_ENV = new Set([
  'NODE_ENV',
  ...[...read('src/config/load-config.ts').matchAll(/\bread\.\w+\(\s*'([A-Z][A-Z0-9_]*)'/g)].map(
    (match) => match[1],
  ),
]);

const unaccepted = (names: Iterable<string>) =>
  [...names].filter((name) => !ACCEPTED_ENV.has(name));

// ---- Kubernetes objects ---------------------------------------------------------------------------------

type K8sObject = Record<string, any> & { apiVersion: string; kind: string };
interface LoadedObject {
  file: string;
  object: K8sObject;
}

type ModelClass = new (data: any) => { validate(): void };
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
};

const yamlFiles = readdirSync(K8S_DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

function loadObjects(): LoadedObject[] {
  const objects: LoadedObject[] = [];
  for (const file of yamlFiles) {
    if (file === KUSTOMIZATION) continue;
    for (const document of parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'))) {
      if (document.errors.length > 0) {
        throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      const object = document.toJS() as K8sObject | null;
      if (object !== null) objects.push({ file, object });
    }
  }
  return objects;
}

const objects = loadObjects();
const applied = objects.filter(({ file }) => file !== SECRET_EXAMPLE);

function only(kind: string, from: LoadedObject[] = applied): K8sObject {
  const found = from.filter(({ object }) => object.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0].object;
}

const deployment = only('Deployment');
const job = only('Job');
const configMap = only('ConfigMap');
const secretExample = only('Secret', objects);
const service = only('Service');
const podSpec = deployment.spec.template.spec;
const appContainer = podSpec.containers[0];
const workloads = [deployment, job];
const containersOf = (workload: K8sObject): any[] => [
  ...(workload.spec.template.spec.initContainers ?? []),
  ...workload.spec.template.spec.containers,
];

/**
 * Unknown fields, at any depth, like `kubectl apply --validate=strict`: kubernetes-models validates
 * types and required fields but accepts any extra key, so a typo (`readinessprobe`) would pass. The
 * known fields of each type are read from the model's TypeScript declarations.
 */
const MODELS_ROOT = dirname(require.resolve('kubernetes-models/package.json'));
const declarations = new Map<string, string>();
const declaration = (file: string) => {
  if (!declarations.has(file)) declarations.set(file, readFileSync(file, 'utf8'));
  return declarations.get(file)!;
};

/** Field name → declared type of the file's interface, or null for a type that has no fields (a string). */
function declaredFields(file: string): Map<string, string> | null {
  const source = declaration(file);
  const start = /^export interface I\w+(?: extends [\w, ]+)? \{$/m.exec(source);
  if (!start) {
    if (/^export interface /m.test(source)) throw new Error(`cannot read the interface of ${file}`);
    return null;
  }
  const body = source.slice(start.index + start[0].length);
  const fields = new Map<string, string>();
  for (const [, name, type] of body
    .slice(0, body.indexOf('\n}'))
    .matchAll(/^ {4}"([^"]+)"\??: (.*)$/gm)) {
    fields.set(name, type);
  }
  return fields;
}

/** The declaration file of a field's model type (`IIoK8s...` or `Array<IIoK8s...>`), if it is one. */
function fieldTypeFile(file: string, type: string): string | null {
  const model = /^(?:Array<)?(I\w+)>?;$/.exec(type)?.[1];
  if (!model) return null;
  for (const [, names, from] of declaration(file).matchAll(
    /^import \{ ([^}]+) \} from "([^"]+)";$/gm,
  )) {
    if (!names.split(',').some((name) => name.trim() === model)) continue;
    return from.startsWith('.')
      ? resolve(dirname(file), `${from}.d.ts`)
      : require.resolve(from, { paths: [MODELS_ROOT] }).replace(/\.js$/, '.d.ts');
  }
  return null;
}

function unknownFields(value: unknown, file: string, path: string, found: string[] = []): string[] {
  const fields = declaredFields(file);
  if (!fields || typeof value !== 'object' || value === null || Array.isArray(value)) return found;
  for (const [key, child] of Object.entries(value)) {
    const type = fields.get(key);
    if (type === undefined) {
      found.push(`${path}.${key}`);
      continue;
    }
    const childFile = fieldTypeFile(file, type);
    if (!childFile) continue;
    if (Array.isArray(child)) {
      child.forEach((item, i) => unknownFields(item, childFile, `${path}.${key}[${i}]`, found));
    } else {
      unknownFields(child, childFile, `${path}.${key}`, found);
    }
  }
  return found;
}

const modelFile = (object: K8sObject) =>
  join(MODELS_ROOT, ...object.apiVersion.split('/'), `${object.kind}.d.ts`);

function imageTag(image: string): string | undefined {
  const name = image.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

function namedPort(container: any, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p: any) => p.name === port)?.containerPort;
}

const preStopSleepSeconds = (container: any): number => {
  const command: string[] | undefined = container.lifecycle?.preStop?.exec?.command;
  if (command?.[0] === 'sleep' || command?.[0] === '/bin/sleep') return Number(command[1]);
  return container.lifecycle?.preStop?.sleep?.seconds ?? 0;
};

const includes = (labels: Record<string, string>, selector: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('deployment manifests (docker/k8s)', () => {
  describe('schema', () => {
    it('parses every YAML file and finds the expected objects', () => {
      expect(objects.map(({ object }) => `${object.kind}/${object.metadata?.name}`).sort()).toEqual(
        [
          'ConfigMap/chat-backend-config',
          'Deployment/chat-backend',
          'HorizontalPodAutoscaler/chat-backend',
          'Ingress/chat-backend',
          'Job/chat-backend-migrate',
          'PodDisruptionBudget/chat-backend',
          'Secret/chat-backend-secrets',
          'Service/chat-backend',
        ],
      );
    });

    it.each(objects.map(({ file, object }) => [`${file}: ${object.kind}`, object] as const))(
      '%s validates against the Kubernetes API schema',
      (_label, object) => {
        const Model = MODELS[`${object.apiVersion}/${object.kind}`];
        expect(Model).toBeDefined();
        expect(() => new Model(object).validate()).not.toThrow();
        expect(object.metadata.namespace).toBeUndefined();
      },
    );

    it.each(objects.map(({ file, object }) => [`${file}: ${object.kind}`, object] as const))(
      '%s has no unknown fields',
      (_label, object) => {
        expect(unknownFields(object, modelFile(object), object.kind)).toEqual([]);
      },
    );

    it('the unknown-field check catches typos (self-test)', () => {
      const typo = structuredClone(deployment);
      typo.spec.strategy.rollingUpdate.maxUnavaliable = 0;
      typo.spec.template.spec.containers[0].readinessprobe = {};
      typo.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
      expect(unknownFields(typo, modelFile(typo), 'Deployment')).toEqual([
        'Deployment.spec.strategy.rollingUpdate.maxUnavaliable',
        'Deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem',
        'Deployment.spec.template.spec.containers[0].readinessprobe',
      ]);
    });

    it('kustomization.yaml lists every manifest except the secret example', () => {
      const kustomization = parseYaml(readFileSync(join(K8S_DIR, KUSTOMIZATION), 'utf8'));
      expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
      expect(kustomization.kind).toBe('Kustomization');
      expect(kustomization.namespace).toBeUndefined();
      expect([...kustomization.resources].sort()).toEqual(
        yamlFiles.filter((file) => file !== KUSTOMIZATION && file !== SECRET_EXAMPLE),
      );
    });
  });

  describe('Deployment', () => {
    it('runs at least two replicas and rolls without losing capacity', () => {
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment.spec.strategy.type).toBe('RollingUpdate');
      expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(deployment.spec.strategy.rollingUpdate.maxSurge).toBeGreaterThanOrEqual(1);
      expect(
        includes(deployment.spec.template.metadata.labels, deployment.spec.selector.matchLabels),
      ).toBe(true);
    });

    it('serves on the port the app listens on by default, also set in the ConfigMap', () => {
      expect(podSpec.containers).toHaveLength(1);
      expect(namedPort(appContainer, 'http')).toBe(defaults.http.port);
      expect(defaults.http.port).toBe(3000);
      expect(Number(configMap.data.PORT)).toBe(defaults.http.port);
    });

    it('probes the routes the app serves', () => {
      const probes = {
        readinessProbe: appContainer.readinessProbe.httpGet,
        livenessProbe: appContainer.livenessProbe.httpGet,
        startupProbe: appContainer.startupProbe.httpGet,
      };
      expect(probes.readinessProbe.path).toBe('/health/ready');
      expect(probes.livenessProbe.path).toBe('/health/live');
      expect(probes.startupProbe.path).toBe('/health/live');
      for (const probe of Object.values(probes)) {
        expect(namedPort(appContainer, probe.port)).toBe(defaults.http.port);
      }
      // ~60 s to start before liveness applies
      const startup = appContainer.startupProbe;
      expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(60);

      // ...and those routes exist, outside the /api/v1 prefix
      const controller = read('src/health/health.controller.ts');
      expect(controller).toContain("@Controller('health')");
      expect(controller).toContain("@Get('live')");
      expect(controller).toContain("@Get('ready')");
      const setup = read('src/app.setup.ts');
      expect(setup).toContain("path: 'health/live'");
      expect(setup).toContain("path: 'health/ready'");
    });

    it('lets SIGTERM drain within the grace period, after a preStop pause', () => {
      const shutdownSeconds = Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000;
      const pause = preStopSleepSeconds(appContainer);
      expect(Number.isFinite(shutdownSeconds)).toBe(true);
      expect(pause).toBeGreaterThanOrEqual(2);
      expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds);
      expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds + pause);
    });

    it('takes its settings from the ConfigMap and the operator-made Secret', () => {
      const sources = appContainer.envFrom.map((source: any) => ({
        configMap: source.configMapRef?.name,
        secret: source.secretRef?.name,
        prefix: source.prefix,
      }));
      expect(sources).toEqual([
        { configMap: configMap.metadata.name, secret: undefined, prefix: undefined },
        { configMap: undefined, secret: secretExample.metadata.name, prefix: undefined },
      ]);
    });

    it('mounts a writable /tmp on the read-only root filesystem', () => {
      const mount = appContainer.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      const volume = podSpec.volumes.find((v: any) => v.name === mount?.name);
      expect(volume?.emptyDir).toBeDefined();
    });
  });

  describe.each(workloads.map((workload) => [workload.kind, workload] as const))(
    '%s containers',
    (_kind, workload) => {
      const pod = workload.spec.template.spec;
      const containers = containersOf(workload);

      it('run as a non-root user with a read-only root filesystem and no capabilities', () => {
        for (const container of containers) {
          const context = { ...pod.securityContext, ...container.securityContext };
          expect(context.runAsNonRoot).toBe(true);
          expect(context.runAsUser).toBe(1000);
          expect(context.seccompProfile).toEqual({ type: 'RuntimeDefault' });
          expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
          expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
          expect(container.securityContext.capabilities.drop).toContain('ALL');
          expect(container.securityContext.capabilities.add ?? []).toEqual([]);
          expect(container.securityContext.privileged ?? false).toBe(false);
        }
      });

      it('use a fixed image tag (never :latest), the same release as the app', () => {
        for (const container of containers) {
          const tag = imageTag(container.image);
          expect(tag).toBeDefined();
          expect(tag).not.toBe('latest');
          expect(container.image).toBe(appContainer.image);
        }
      });

      it('set resource requests and limits', () => {
        for (const container of containers) {
          expect(container.resources.requests.cpu).toBeDefined();
          expect(container.resources.requests.memory).toBeDefined();
          expect(container.resources.limits.cpu).toBeDefined();
          expect(container.resources.limits.memory).toBeDefined();
        }
      });

      it('set only environment variables the app reads', () => {
        for (const container of containers) {
          const names = (container.env ?? []).map((variable: any) => variable.name);
          expect(unaccepted(names)).toEqual([]);
          for (const source of container.envFrom ?? []) {
            expect(source.prefix).toBeUndefined();
            const ref = source.configMapRef?.name ?? source.secretRef?.name;
            expect([configMap.metadata.name, secretExample.metadata.name]).toContain(ref);
          }
        }
      });
    },
  );

  describe('migration Job', () => {
    it('runs the compiled TypeORM CLI once, with retries and clean-up', () => {
      expect(job.spec.template.spec.containers[0].command).toEqual(MIGRATION_COMMAND);
      expect(job.spec.backoffLimit).toBeGreaterThan(0);
      expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      expect(['Never', 'OnFailure']).toContain(job.spec.template.spec.restartPolicy);
      expect(job.spec.template.spec.containers[0].envFrom).toEqual(appContainer.envFrom);
    });
  });

  describe('ConfigMap and Secret', () => {
    it('set only variables the app reads', () => {
      expect(unaccepted(Object.keys(configMap.data))).toEqual([]);
      expect(unaccepted(Object.keys(secretExample.stringData ?? {}))).toEqual([]);
      expect(unaccepted(Object.keys(secretExample.data ?? {}))).toEqual([]);
    });

    it('keep migrations out of the pods and pick a backplane for several replicas', () => {
      expect(configMap.data.NODE_ENV).toBe('production');
      expect(configMap.data.DATABASE_MIGRATIONS_RUN).toBe('false');
      expect(['postgres', 'redis']).toContain(configMap.data.SOCKET_ADAPTER);
      expect(configMap.data.TRUST_PROXY).toBe('1');
    });

    it('are a valid production configuration once the real secret is filled in', () => {
      const env: Env = {
        ...configMap.data,
        ...secretExample.stringData,
        JWT_ACCESS_SECRET: strongSecret(),
      };
      const { config } = loadConfig(env);
      expect(config.env).toBe('production');
      expect(config.http.port).toBe(namedPort(appContainer, 'http'));
      expect(config.database.runMigrations).toBe(false);
      expect(config.realtime.adapter).toBe(configMap.data.SOCKET_ADAPTER);
      expect(config.shutdownTimeoutMs).toBe(Number(configMap.data.SHUTDOWN_TIMEOUT_MS));
    });

    it('the example secret is a template the app refuses to run with', () => {
      expect(Object.keys(secretExample.stringData).sort()).toEqual([
        'DATABASE_URL',
        'JWT_ACCESS_SECRET',
      ]);
      expect(readFileSync(join(K8S_DIR, SECRET_EXAMPLE), 'utf8')).toContain(
        'kubectl create secret',
      );
      const deployedAsIs = () => loadConfig({ ...configMap.data, ...secretExample.stringData });
      expect(deployedAsIs).toThrow(ConfigError);
      expect(deployedAsIs).toThrow(/JWT_ACCESS_SECRET is too weak/);
    });
  });

  describe('Service, Ingress, HPA, PDB', () => {
    it('the Service selects the app pods and targets the http port', () => {
      expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(includes(deployment.spec.template.metadata.labels, service.spec.selector)).toBe(true);
      const port = service.spec.ports.find((p: any) => p.name === 'http');
      expect(port.port).toBe(80);
      expect(namedPort(appContainer, port.targetPort)).toBe(defaults.http.port);
      expect(service.spec.sessionAffinity).toBeUndefined();
    });

    it('the Ingress routes to the Service, with TLS and long websocket timeouts', () => {
      const ingress = only('Ingress');
      const backend = ingress.spec.rules[0].http.paths[0].backend.service;
      expect(backend.name).toBe(service.metadata.name);
      expect(service.spec.ports.map((p: any) => p.name)).toContain(backend.port.name);
      expect(ingress.spec.tls[0].hosts).toEqual([ingress.spec.rules[0].host]);
      const annotations = ingress.metadata.annotations;
      expect(
        Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']),
      ).toBeGreaterThanOrEqual(3600);
      expect(
        Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']),
      ).toBeGreaterThanOrEqual(3600);
    });

    it('the HPA scales the Deployment from 2 to 10 replicas on CPU', () => {
      const hpa = only('HorizontalPodAutoscaler');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment.metadata.name,
      });
      expect(hpa.spec.minReplicas).toBe(2);
      expect(hpa.spec.maxReplicas).toBe(10);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas);
      expect(hpa.spec.metrics).toEqual([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ]);
    });

    it('the PDB keeps one app pod through voluntary disruptions', () => {
      const pdb = only('PodDisruptionBudget');
      expect(pdb.spec.minAvailable).toBe(1);
      expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
      expect(
        includes(deployment.spec.template.metadata.labels, pdb.spec.selector.matchLabels),
      ).toBe(true);
    });
  });
});

describe('variables the app reads (derived from src/config/load-config.ts)', () => {
  it('include every variable of .env.example', () => {
    const documented = [...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(20);
    expect(unaccepted(documented)).toEqual([]);
  });
});

// ---- docker/compose.yaml ------------------------------------------------------------------------------------

/** Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}. */
function interpolate(value: string, env: Env): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_all, name, colon, op, arg) => {
      const set = colon ? Boolean(env[name]) : env[name] !== undefined;
      if (set) return env[name]!;
      if (op === '?') throw new Error(`${name}: ${arg}`);
      return op === '-' ? arg : '';
    },
  );
}

const environmentOf = (service: any): Record<string, string> =>
  Array.isArray(service.environment)
    ? Object.fromEntries(
        service.environment.map((entry: string) => [
          entry.split('=')[0],
          entry.split('=').slice(1).join('='),
        ]),
      )
    : Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value)]),
      );

const seconds = (duration: string) => {
  const match = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
};

describe('docker/compose.yaml', () => {
  const compose = parseYaml(read('docker/compose.yaml'), { merge: true });
  const services: Record<string, any> = compose.services;
  const appServices = Object.entries(services).filter(
    ([, service]) =>
      service.build?.dockerfile === 'docker/Dockerfile' ||
      /^chat-backend[:@]/.test(service.image ?? ''),
  );
  const app = services.app;

  it('has PostgreSQL, Redis, a migration, two app replicas and a load balancer', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'lb', 'migrate', 'postgres', 'redis']);
    expect(appServices.map(([name]) => name).sort()).toEqual(['app', 'migrate']);
    expect(app.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(app.ports).toBeUndefined();
    expect(services.lb.ports).toEqual(['3000:3000']);
    expect(imageTag(app.image)).not.toBe('latest');
  });

  it('the app services set only variables the app reads, into a valid production config', () => {
    for (const [, service] of appServices) {
      const raw = environmentOf(service);
      expect(unaccepted(Object.keys(raw))).toEqual([]);
      expect(raw.JWT_ACCESS_SECRET).toMatch(/^\$\{JWT_ACCESS_SECRET:\?.+\}$/);
      expect(() => interpolate(raw.JWT_ACCESS_SECRET, {})).toThrow(/set JWT_ACCESS_SECRET/);
      const env = Object.fromEntries(
        Object.entries(raw).map(([name, value]) => [
          name,
          interpolate(value, { JWT_ACCESS_SECRET: strongSecret() }),
        ]),
      );
      const { config } = loadConfig(env);
      expect(config.env).toBe('production');
      expect(config.database.runMigrations).toBe(false);
      expect(config.realtime.adapter).not.toBe('memory');
    }
  });

  it('migrates once before the replicas start, with the same command as the Job', () => {
    expect(services.migrate.command).toEqual(MIGRATION_COMMAND);
    expect(services.migrate.deploy?.replicas ?? 1).toBe(1);
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
    expect(services.lb.depends_on).toEqual({ app: { condition: 'service_healthy' } });
  });

  it('has health checks and a stop grace period longer than the drain', () => {
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(app.healthcheck.test.join(' ')).toContain('/health/ready');
    const shutdownSeconds =
      Number(environmentOf(app).SHUTDOWN_TIMEOUT_MS ?? defaults.shutdownTimeoutMs) / 1000;
    expect(seconds(app.stop_grace_period)).toBeGreaterThan(shutdownSeconds);
  });

  it('the load balancer passes websocket upgrades to the replicas', () => {
    const nginx = read('docker/nginx.conf');
    expect(services.lb.volumes).toContain('./nginx.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(nginx).toMatch(/server app:3000\b/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginx).toMatch(/proxy_http_version 1\.1;/);
  });
});

// ---- docker/Dockerfile ------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions per stage (comments dropped, continuation lines joined). */
function dockerfileStages(
  source: string,
): { from: string; name?: string; instructions: Instruction[] }[] {
  const lines = source
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') {
      const [, from, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from, name, instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

describe('docker/Dockerfile', () => {
  const stages = dockerfileStages(read('docker/Dockerfile'));
  const final = stages[stages.length - 1];
  const all = (keyword: string) =>
    final.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
  const stageNames = stages.map((stage) => stage.name);
  const runs = (stage: (typeof stages)[number]) =>
    stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const build = stages.find((stage) => runs(stage).some((run) => /\bnpm run build\b/.test(run)))!;

  it('builds every stage on a pinned Node.js 24 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of stages) {
      expect(stage.from).toMatch(/^node:24\.\d+\.\d+(-[a-z0-9.]+)*(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('installs production dependencies alone, in their own stage, from the lock file', () => {
    const deps = stages.find((stage) =>
      runs(stage).some((run) => /\bnpm ci\b.*--omit=dev/.test(run)),
    )!;
    expect(build).toBeDefined();
    expect(deps).toBeDefined();
    expect(deps).not.toBe(build);
    expect(runs(build).some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(deps.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args)).toEqual([
      'package.json package-lock.json ./',
    ]);
    const copies = all('COPY');
    expect(copies).toContain(`--from=${deps.name} /app/node_modules ./node_modules`);
    expect(copies).toContain(`--from=${build.name} /app/dist ./dist`);
    // nothing else from the build stage than what was built: no dev dependencies, no sources
    const fromBuild = copies.filter((copy) => copy.startsWith(`--from=${build.name} `));
    expect(fromBuild).toEqual([
      `--from=${build.name} /app/dist ./dist`,
      `--from=${build.name} /app/web/dist ./web/dist`,
    ]);
    expect(copies.filter((copy) => !copy.startsWith('--from='))).toEqual(['package.json ./']);
    expect(stageNames).toContain(build.name);
  });

  it('runs the production server as the non-root node user', () => {
    const env = all('ENV').join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
    expect(env).toMatch(new RegExp(`\\bPORT=${defaults.http.port}\\b`));
    const users = all('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).toMatch(/^(node|1000)(:\S+)?$/);
    expect(all('EXPOSE')).toEqual([String(defaults.http.port)]);
    expect(all('ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(all('CMD')).toEqual(['["node", "dist/src/main.js"]']);
  });

  it('has a HEALTHCHECK on the readiness route, with node (no curl)', () => {
    const [healthcheck] = all('HEALTHCHECK');
    expect(healthcheck).toContain('CMD ["node"');
    expect(healthcheck).toContain('/health/ready');
    expect(healthcheck).toContain('127.0.0.1');
  });

  it('the paths it runs exist in the build output and the production dependencies', () => {
    const nest = JSON.parse(read('nest-cli.json'));
    expect(`dist/${nest.entryFile}.js`).toBe('dist/src/main.js');
    expect(JSON.parse(read('tsconfig.build.json')).include).toContain('ormconfig.ts');
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.dependencies.typeorm).toBeDefined();
    const typeorm = JSON.parse(read('node_modules/typeorm/package.json'));
    expect(typeorm.bin.typeorm).toBe('./cli.js');
  });

  it('builds the AsyncAPI document the server serves into dist/docs/', () => {
    const copies = build.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toContain('docs/asyncapi.yaml ./docs/');
    const nest = JSON.parse(read('nest-cli.json'));
    expect(nest.compilerOptions.assets).toContainEqual({
      include: '../docs/asyncapi.yaml',
      outDir: 'dist/docs',
    });
  });

  it('.dockerignore keeps local state, secrets and build output out of the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of [
      'node_modules',
      'dist',
      '.data',
      '.git',
      'coverage',
      '.env',
      '*.log',
      'bench/results',
    ]) {
      expect(ignored).toContain(entry);
    }
  });
});
