# syntax=docker/dockerfile:1
#
# connect-task-router: the worker, the Connect emulator and `setup` in one image.
#   docker build -t connect-task-router:0.1.0 .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 connect-task-router:0.1.0            # worker
#   docker run --rm connect-task-router:0.1.0 setup | emulator --host 0.0.0.0 | --help
#
# Node: an LTS line on Debian (the Temporal worker's native core is built for glibc, not musl/Alpine).
# Tags follow the official image's <version>-<debian suite>-slim naming; both stages use the same one.
ARG NODE_VERSION=22.22.0

# ---- build: all dependencies, then `npm run build` (tsc into lib/, as `npm pack` does) ----
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY activities ./activities
COPY workflows ./workflows
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and what the published package ships (bin, lib, schemas) ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# No src/ here: bin/connect-task-router.js runs the TypeScript sources only when they are present
# (a checkout, with ts-node); without them it runs the compiled lib/.
COPY bin ./bin
COPY schemas ./schemas
COPY --from=build /app/lib ./lib
# The official image's unprivileged user (uid 1000); the app's files stay root-owned and read-only to it.
USER node
# No HEALTHCHECK: the image runs several commands and the worker listens on no port. The emulator's
# health check (an HTTP GET of /_emulator/ledger) is in docker-compose.yml, where its port is known.
ENTRYPOINT ["node", "bin/connect-task-router.js"]
CMD ["worker"]
