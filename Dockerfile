# syntax=docker/dockerfile:1
# sence-gateway: one image for `serve`, `worker` and `migrate`.
# Node 24 runs the TypeScript sources directly (type stripping): there is
# no build step besides generating the Prisma client.

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped: Prisma's would download native engines,
# which the service does not use (migrations run on the WebAssembly engine).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.ts ./scripts/
RUN node scripts/prisma-generate.ts \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY prisma ./prisma
COPY docker/healthcheck.js ./docker/
COPY --from=dependencies /app/src/persistence/generated ./src/persistence/generated
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "docker/healthcheck.js"]
ENTRYPOINT ["node", "bin/sence-gateway.ts"]
CMD ["serve"]
