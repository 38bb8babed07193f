# The production image: the install docs/deployment.md describes, on the official Node 24 image.
# One image for every role; the command picks it:
#   docker run ipstream serve            (HTTP API and dashboard on :8000)
#   docker run ipstream ingest --workers 2
#   docker run ipstream topic scale --auto
# Configure with the environment variables of docs/configuration.md (KAFKA_BROKERS, MONGODB_URI, ...).
# test/integration/production-install.test.ts replays this file's COPY and RUN steps and runs the
# entrypoint from the result (no image can be built where the tests run).
FROM node:24-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src

USER node
# serve: probes at /healthz (alive) and /readyz (Kafka and MongoDB answer); docs/deployment.md.
EXPOSE 8000
ENTRYPOINT ["node", "bin/ipstream.js"]
CMD ["serve"]
