# ExoArmur production image: multi-stage, runs as a non-root user.
# Build: docker build -t exoarmur .    Run: see docker-compose.yml (needs DATABASE_URL).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 PRISMA_SCHEMA_ENGINE_BINARY=/bin/false
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run db:generate && npm run build:cli && node_modules/.bin/next build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 NEXT_MANUAL_SIG_HANDLE=1 PORT=3000 HOST=0.0.0.0
# The app needs its sources at run time too: the server (server/http/main.ts: node:http with the REST
# fast path in front of Next) runs TypeScript through tsx, the CLI (bin/exoarmur.mjs) runs the build
# in dist/cli only while no source is newer (else the TypeScript through tsx), and the migrator reads
# prisma/migrations.
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node --max-old-space-size=\"${EXOARMUR_HEAP_MB:-384}\" --import tsx server/http/main.ts"]
