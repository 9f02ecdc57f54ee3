# syntax=docker/dockerfile:1
# sence-gateway: one image for `serve`, `migrate` and the other commands.
# Node 24 runs the TypeScript sources directly (type stripping): there is
# no build step besides generating the Prisma client.
# NOTE: no Docker engine runs where this project is developed, so this file
# was never built by Docker: test/ops/dockerfile.test.ts lints and reads it,
# and scripts/dockerfile-dry-run.ts runs its steps outside Docker.

# The Prisma client is generated with the Prisma CLI, a dev dependency.
FROM node:24-bookworm-slim AS client
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped: Prisma's would download native engines,
# which the service does not use (migrations run on the WebAssembly engine),
# and the `node` devDependency's would download a second Node.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.ts ./scripts/
RUN node scripts/prisma-generate.ts

# What the service runs on. --omit=optional also leaves out the Prisma CLI
# and TypeScript (optional peers of @prisma/client, about 250 MB with their
# own dependencies) and pg-cloudflare (for Cloudflare Workers only).
FROM node:24-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
# NODE_OPTIONS bounds V8's heap, which V8 otherwise sizes by the host's
# memory: on a 24 GB machine the gateway's resident set grew past 450 MB
# under `npm run bench` while 55-60 MB was live after a full collection.
# With an 8 MB semi-space and a 192 MB old space its peak was about 220 MB,
# for about 7% more of its CPU spent collecting garbage (10% against 3% in
# a profile of measure c). The bench starts the gateway with this value.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=192" \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Everything stays owned by root: the service's user can read its code but
# not change it. The service writes nothing to disk outside the database.
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY prisma ./prisma
COPY docker/healthcheck.js ./docker/
COPY --from=client /app/src/persistence/generated ./src/persistence/generated
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "docker/healthcheck.js"]
# Exec form, so that node is PID 1 and receives SIGTERM for its graceful shutdown.
ENTRYPOINT ["node", "bin/sence-gateway.ts"]
CMD ["serve"]
