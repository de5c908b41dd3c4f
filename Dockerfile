# Switchyard's image: the control plane (`switchyard` is the entrypoint) and, with another
# entrypoint, every role of the compose demo's app (node /app/dist/demo/http-app.js) and the
# sidecar-init step (compose/sidecar-init.sh). Written for compose/docker-compose.yml; see the
# README's "Demo: docker compose" for what has and has not been run.

# Build: the full dependency set (TypeScript, esbuild), compiled to dist/ and the web console
# bundled into dist/ui by `npm run build`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY ui ./ui
COPY scripts/build-ui.mjs ./scripts/
RUN npm ci --no-audit --no-fund && npm run build --silent

# Runtime: production dependencies only; no compiler, no tests.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The vendored Envoy protos: the codec and the validator load them at run time.
COPY protos ./protos
COPY compose/sidecar-init.sh /usr/local/bin/sidecar-init
RUN chmod 0755 /usr/local/bin/sidecar-init /app/bin/switchyard.js \
 && ln -s /app/bin/switchyard.js /usr/local/bin/switchyard \
 && mkdir -p /data /bootstrap && chown node:node /data /bootstrap
# Named volumes mounted on these start with this ownership, so the unprivileged user can write.
VOLUME ["/data"]
USER node
EXPOSE 18000 18080
ENTRYPOINT ["switchyard"]
CMD ["serve"]
