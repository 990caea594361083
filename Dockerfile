# The pipeline's image: tempctl and its worker, run as the unprivileged `node` user. The Temporal
# server and PostgreSQL run as their own services (docker-compose.yml, deploy/kubernetes/).
# Checked by hadolint in the tests (test/deploy/dockerfile.test.ts).
# Two stages: `npm run build` compiles the TypeScript (scripts/build.mjs); the image keeps only the
# compiled app and the production dependencies: no TypeScript sources, no tsx.
FROM node:24.19.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24.19.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    METRICS_PORT=9464 \
    TEMPORAL_METRICS_PORT=9465
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/ ./
# The backup volume and the local data folder must be writable by the unprivileged user.
RUN mkdir -p /backups /app/.data && chown 1000:1000 /backups /app/.data
# The image's `node` user, by number so that runtimes can tell it is not root (runAsNonRoot).
USER 1000:1000
EXPOSE 9464 9465
# /healthz answers while the worker process runs (tempctl worker serves it on METRICS_PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.METRICS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The worker's V8 flags (worker/nodeFlags.ts) on node's command line: PID 1 is the worker itself,
# with no relaunch (worker/relaunch.ts).
ENTRYPOINT ["node", "--initial-old-space-size=128", "bin/tempctl.js"]
CMD ["worker"]
