# syntax=docker/dockerfile:1
# Production image: Node 22 LTS, compiled JavaScript, production dependencies only, non-root.

FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV npm_config_yes=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY app ./app
COPY bot ./bot
COPY dialogs ./dialogs
COPY http ./http
COPY i18n ./i18n
COPY platform ./platform
COPY services ./services
COPY workers ./workers
COPY scripts ./scripts
COPY bench ./bench
RUN npm run build

FROM node:22-bookworm-slim AS deps
WORKDIR /app
ENV npm_config_yes=true
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=3978 DATA_DIR=/app/data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Static files of the web chat page are read at run time from the compiled tree's sibling source folder.
COPY bot/web/page ./bot/web/page
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3978
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/app/main.js", "server"]
