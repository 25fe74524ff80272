/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine:
 * - the compose file, interpolated as Compose does (`${VAR:-default}`, `$$`) with no variables set,
 *   is valid against the Compose Specification's JSON Schema (the copy that the dclint package
 *   ships, a devDependency), with ajv; and with `docker compose config` as well where that works;
 * - every image is pinned to an explicit version tag (never `latest`), Temporal's server and
 *   admin-tools are the same release, and the package's own image is tagged with its version;
 * - every dependency names a service that exists, with a health check where it waits for health and
 *   a one-shot where it waits for completion; the worker waits for the server, the search
 *   attributes and the emulator, and reaches them at the addresses they listen on;
 * - the Dockerfile's steps match the package: `npm ci` and `npm run build` (a script that exists),
 *   a production-only install, what `files` ships (without src/, so the bin runs lib/), a non-root
 *   user, the package's bin as the entrypoint, and subcommands and options the CLI's --help lists.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv, { type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { runBin, runCli, succeeded } from '../helpers/cli';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  engines: { node: string };
};

// ---- Compose ----

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Compose's interpolation of one string, with `env` as the only variables. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, escaped: string, name?: string, colon?: string, op?: string, word?: string, bare?: string) => {
      if (escaped === '$') return '$';
      if (bare !== undefined) return env[bare] ?? '';
      const value = env[name!];
      const missing = value === undefined || (colon === ':' && value === '');
      if (op === '-') return missing ? interpolate(word ?? '', env) : value!;
      if (op === '?') {
        if (missing) throw new Error(`required variable ${name} is missing: ${word}`);
        return value!;
      }
      return value ?? '';
    },
  );
}

function interpolateAll(value: Json, env: Record<string, string>): Json {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, env));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item, env)]));
  return value;
}

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  restart?: string;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}

const composeText = read('docker-compose.yml');
/** The file as Compose sees it with no variables set: YAML merge keys applied, then interpolated. */
const compose = interpolateAll(parseYaml(composeText, { merge: true }) as Json, {}) as unknown as {
  services: Record<string, Service>;
};
const services = compose.services;
const serviceEntries = Object.entries(services);

/** The services that run this package's image (built from the Dockerfile). */
const ownServices = serviceEntries.filter(([, service]) => service.build !== undefined);
const serviceRunning = (subcommand: string): [string, Service] => {
  const found = ownServices.filter(([, service]) => service.command?.[0] === subcommand);
  assert.equal(found.length, 1, `one service runs \`connect-task-router ${subcommand}\``);
  return found[0];
};

function composeSchemaValidator() {
  // dclint ships the Compose Specification's schema (compose-spec/compose-spec, draft-07).
  const schemaPath = path.join(
    path.dirname(require.resolve('dclint/package.json')),
    'schemas',
    'compose.schema.json',
  );
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  delete schema.$schema; // "https://json-schema.org/draft-07/schema", which ajv knows by its http:// id
  // Compose's own formats (durations, ports, ...) are checked by Compose, not the schema's validator.
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return ajv.compile(schema);
}

const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('\n');

/** `name:tag` → [name, tag]; a registry host with a port is not part of the tag. */
function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  if (at < 0 || image.slice(at).includes('/')) return [image, undefined];
  return [image.slice(0, at), image.slice(at + 1)];
}

// ---- Dockerfile ----

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions (continuation lines joined, comments dropped), global ARG defaults, and stages. */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line) && pending === '') continue;
    if (/^\s*#/.test(line)) continue; // a comment inside a continued instruction
    const continued = /\\\s*$/.test(line);
    pending += (pending ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (pending.trim() !== '') logical.push(pending.trim());
      pending = '';
    }
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, word, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = word.toUpperCase();
    if (keyword === 'FROM') {
      const [image, as, name] = rest.split(/\s+/);
      const resolved = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => {
        const value = args[a ?? b!];
        assert.ok(value !== undefined, `FROM ${image}: ARG ${a ?? b} has a default before the first FROM`);
        return value;
      });
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0) {
      assert.equal(keyword, 'ARG', `only ARG may come before the first FROM, not ${keyword}`);
      const [name, value] = rest.split('=');
      if (value !== undefined) args[name] = value;
    } else {
      stages[stages.length - 1].instructions.push({ keyword, args: rest });
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const stageNamed = (name: string): Stage => {
  const stage = dockerfile.stages.find((candidate) => candidate.name === name);
  assert.ok(stage, `Dockerfile has a stage named ${name}`);
  return stage;
};
const all = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword).map(({ args }) => args);
const last = (stage: Stage, keyword: string): string | undefined => all(stage, keyword).at(-1);
/** COPY's sources and destination (flags such as --from= returned apart). */
function copies(stage: Stage): { from?: string; sources: string[]; destination: string }[] {
  return all(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((word) => !word.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
  });
}
const normalize = (source: string): string => source.replace(/^\.\//, '').replace(/\/$/, '');

/** The CLI's help for `args` (in this process, as the bin script's commander prints it). */
async function helpOf(args: string[]): Promise<string> {
  return succeeded(await runCli([...args, '--help']));
}

describe('docker-compose.yml and the Dockerfile', function () {
  describe('docker-compose.yml', function () {
    it('is valid against the Compose Specification schema', function () {
      const validate = composeSchemaValidator();
      assert.ok(validate(compose), `docker-compose.yml is not valid:\n${describeErrors(validate.errors)}`);
      // The check can fail: a misspelt key is caught.
      const broken = structuredClone(compose) as unknown as {
        services: Record<string, Record<string, unknown>>;
      };
      broken.services.worker.depends_onn = broken.services.worker.depends_on;
      assert.equal(validate(broken), false, 'a misspelt key is rejected');
    });

    it('is accepted by `docker compose config` where the compose plugin is installed', async function () {
      const run = promisify(execFile);
      try {
        await run('docker', ['compose', 'version'], { timeout: 20_000 });
      } catch {
        this.skip(); // no compose plugin on this machine; the schema check above still ran
      }
      await run('docker', ['compose', '-f', path.join(ROOT, 'docker-compose.yml'), 'config', '--quiet'], {
        cwd: ROOT,
        timeout: 60_000,
      });
    });

    it('pins every image to a version tag', function () {
      for (const [name, service] of serviceEntries) {
        assert.ok(service.image, `${name} names its image`);
        const [repository, tag] = splitImage(service.image);
        assert.ok(tag, `${name}: ${service.image} has an explicit tag`);
        assert.notEqual(tag, 'latest', `${name}: ${service.image} is not :latest`);
        // major.minor at least (postgres: 16.10-bookworm; Temporal: 1.31.2), so an upgrade is a change here.
        assert.match(
          tag,
          /^\d+\.\d+(\.\d+)?(-[a-z][a-z0-9]*)*$/,
          `${name}: ${service.image} names a version`,
        );
        assert.doesNotMatch(repository, /\$/, `${name}: no unresolved variable in ${service.image}`);
      }
      const tagsOf = (repository: string) =>
        new Set(
          serviceEntries
            .map(([, s]) => splitImage(s.image!))
            .flatMap(([r, t]) => (r === repository ? [t] : [])),
        );
      const [serverTag] = [...tagsOf('temporalio/server')];
      assert.ok(serverTag, 'a service runs temporalio/server');
      assert.deepEqual(
        [...tagsOf('temporalio/admin-tools')],
        [serverTag],
        'admin-tools is the server release',
      );
      assert.ok(ownServices.length > 0, 'services build the package image');
      for (const [name, service] of ownServices) {
        assert.equal(
          service.image,
          `connect-task-router:${packageJson.version}`,
          `${name}: the package version`,
        );
        assert.equal(service.build!.context, '.', `${name} builds from this directory`);
        assert.ok(fs.existsSync(path.join(ROOT, 'Dockerfile')));
        stageNamed(service.build!.target ?? dockerfile.stages.at(-1)!.name!);
      }
    });

    it('depends only on services that exist, waiting for health or completion as each can give', function () {
      for (const [name, service] of serviceEntries) {
        for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
          const target = services[dependency];
          assert.ok(target, `${name} depends on ${dependency}, which is a service`);
          if (condition === 'service_healthy')
            assert.ok(
              target.healthcheck,
              `${name} waits for ${dependency} to be healthy: it has a health check`,
            );
          else if (condition === 'service_completed_successfully')
            assert.ok(
              !['always', 'unless-stopped'].includes(target.restart ?? 'no'),
              `${name} waits for ${dependency} to complete: it is a one-shot`,
            );
          else
            assert.fail(`${name} -> ${dependency}: condition ${condition} waits for nothing in particular`);
        }
      }

      const [, worker] = serviceRunning('worker');
      const [setupName] = serviceRunning('setup');
      const [emulatorName, emulator] = serviceRunning('emulator');
      const temporal = serviceEntries.filter(([, service]) =>
        service.image!.startsWith('temporalio/server:'),
      );
      assert.equal(temporal.length, 1, 'one Temporal server');
      const [temporalName] = temporal[0];
      assert.deepEqual(worker.depends_on, {
        [temporalName]: { condition: 'service_healthy' },
        [setupName]: { condition: 'service_completed_successfully' },
        [emulatorName]: { condition: 'service_healthy' },
      });
      assert.equal(services[setupName].depends_on?.[temporalName]?.condition, 'service_healthy');

      // The worker reaches each at the address it listens on.
      const env = worker.environment ?? {};
      assert.equal(env.TEMPORAL_ADDRESS, `${temporalName}:7233`);
      assert.equal(services[setupName].environment?.TEMPORAL_ADDRESS, `${temporalName}:7233`);
      const emulatorArgs = emulator.command!;
      const option = (name: string) => emulatorArgs[emulatorArgs.indexOf(name) + 1];
      assert.equal(option('--host'), '0.0.0.0', 'the emulator listens beyond its own container');
      const endpoint = `http://${emulatorName}:${option('--port')}`;
      assert.equal(env.AWS_ENDPOINT_URL_CONNECT, endpoint);
      assert.ok(
        worker.command!.includes(endpoint),
        `the worker follows the emulator's events at ${endpoint}`,
      );
      assert.ok(
        env.AWS_REGION && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY,
        'Region and credentials',
      );
      assert.ok('CONNECT_TASK_ROUTER_CONNECT_RATES' in env, 'the Connect quotas can be passed on');
      assert.ok(
        emulator.healthcheck!.test.join(' ').includes(`127.0.0.1:${option('--port')}/`),
        "the emulator's health check asks its port",
      );
    });

    it("runs the package image with the CLI's subcommands and options", async function () {
      const commands = await helpOf([]);
      for (const [name, service] of ownServices) {
        assert.equal(service.entrypoint, undefined, `${name} keeps the image's entrypoint`);
        const [subcommand, ...rest] = service.command ?? [];
        assert.match(
          commands,
          new RegExp(`^  ${subcommand}\\b`, 'm'),
          `${name}: \`${subcommand}\` is a subcommand`,
        );
        const help = await helpOf([subcommand]);
        for (const word of rest.filter((arg) => arg.startsWith('--')))
          assert.match(
            help,
            new RegExp(`(^|\\s)${word}(?=[\\s,=]|$)`, 'm'),
            `${name}: ${subcommand} has ${word}`,
          );
      }
    });
  });

  describe('Dockerfile', function () {
    it('builds in an LTS Node image with `npm ci` and `npm run build`, as the package scripts do', function () {
      const build = stageNamed('build');
      const runtime = stageNamed('runtime');
      assert.equal(dockerfile.stages.at(-1), runtime, 'the runtime stage is the default target');
      const minimum = Number(/>=\s*(\d+)/.exec(packageJson.engines.node)![1]);
      for (const stage of dockerfile.stages) {
        const [, major] = /^node:(\d+)\.\d+\.\d+-[a-z]+-slim$/.exec(stage.image) ?? [];
        assert.ok(major, `${stage.name}: ${stage.image} is an official node <version>-<debian>-slim tag`);
        assert.equal(Number(major) % 2, 0, `${stage.image}: an LTS line (even major)`);
        assert.ok(
          Number(major) >= minimum,
          `${stage.image} satisfies engines.node ${packageJson.engines.node}`,
        );
      }
      assert.equal(build.image, runtime.image, 'both stages run the same Node');

      const buildRuns = all(build, 'RUN');
      assert.ok(
        buildRuns.some((run) => /^npm ci\b(?!.*--omit)/.test(run)),
        'build: npm ci with dev dependencies',
      );
      assert.ok(buildRuns.includes('npm run build'), 'build: npm run build');
      for (const run of [...buildRuns, ...all(runtime, 'RUN')])
        for (const [, script] of run.matchAll(/npm run (\S+)/g))
          assert.ok(packageJson.scripts[script], `package.json has the script ${script}`);

      // What tsconfig.build.json compiles, and the tsconfig it extends, are in the build stage.
      const copied = new Set(copies(build).flatMap(({ sources }) => sources.map(normalize)));
      const tsconfig = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as {
        extends: string;
        include: string[];
      };
      for (const needed of [
        'package.json',
        'package-lock.json',
        'tsconfig.build.json',
        normalize(tsconfig.extends),
      ])
        assert.ok(copied.has(needed), `build copies ${needed}`);
      for (const included of tsconfig.include) assert.ok(copied.has(included), `build copies ${included}/`);
    });

    it('runs production dependencies and what the package ships, as a non-root user', function () {
      const runtime = stageNamed('runtime');
      const runs = all(runtime, 'RUN');
      assert.ok(
        runs.some((run) => /^npm ci\b.*--omit=dev/.test(run)),
        'runtime: npm ci --omit=dev',
      );
      assert.ok(!runs.some((run) => /npm (run|install)\b/.test(run)), 'runtime: nothing built or added');
      const shipped = copies(runtime).flatMap(({ from, sources }) =>
        sources.map((source) => (from ? `${from}:${normalize(source)}` : normalize(source))),
      );
      for (const entry of packageJson.files.filter((file) => !/^(README|LICENSE)/.test(file)))
        assert.ok(
          shipped.includes(entry) || shipped.includes(`build:/app/${entry}`),
          `runtime has ${entry} (package.json files)`,
        );
      // With src/cli/main.ts present the bin would load ts-node, a dev dependency.
      assert.ok(
        !shipped.some((source) => /^(src|test|\.)$/.test(source)),
        `no sources: ${shipped.join(', ')}`,
      );

      const user = last(runtime, 'USER');
      assert.ok(user && !/^(root|0)(:|$)/.test(user), `runtime runs as a non-root user, not ${user}`);
    });

    it("has the package's bin as its entrypoint and the worker as its default command", async function () {
      const runtime = stageNamed('runtime');
      const entrypoint = JSON.parse(last(runtime, 'ENTRYPOINT') ?? 'null') as string[];
      assert.deepEqual(entrypoint, ['node', packageJson.bin['connect-task-router']]);
      assert.equal(entrypoint[1], 'bin/connect-task-router.js');
      assert.ok(fs.existsSync(path.join(ROOT, entrypoint[1])), `${entrypoint[1]} exists`);
      const command = JSON.parse(last(runtime, 'CMD') ?? 'null') as string[];
      assert.deepEqual(command, ['worker']);
      // The entrypoint file run as the image runs it, for the subcommands the compose file and CMD use.
      const help = succeeded(await runBin(['--help']));
      const used = new Set([...command, ...ownServices.map(([, service]) => service.command![0])]);
      for (const subcommand of used)
        assert.match(help, new RegExp(`^  ${subcommand}\\b`, 'm'), `--help lists ${subcommand}`);
    });

    it('.dockerignore keeps out what the image makes itself, and nothing it copies', function () {
      const ignored = read('.dockerignore')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
      for (const entry of ['node_modules', 'lib', '.git'])
        assert.ok(ignored.includes(entry), `ignores ${entry}`);
      const sources = dockerfile.stages.flatMap((stage) =>
        copies(stage).flatMap(({ from, sources }) => (from ? [] : sources.map(normalize))),
      );
      for (const source of sources) {
        assert.ok(!ignored.includes(source), `${source} is copied, so it is not ignored`);
        assert.ok(fs.existsSync(path.join(ROOT, source)), `${source} exists`);
      }
    });
  });
});
