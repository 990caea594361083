# The pipeline's image: tempctl and its worker. The Temporal server and PostgreSQL run as their own
# services (see docker-compose.yml); the image needs neither Python nor the Temporal CLI.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
# The backup volume and the local data folder must be writable by the unprivileged user.
RUN mkdir -p /backups /app/.data && chown node:node /backups /app/.data
USER node
ENTRYPOINT ["node", "bin/tempctl.js"]
CMD ["worker"]
