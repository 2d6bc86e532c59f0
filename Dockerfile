# One image recipe for every Portico process. The build argument APP names the workspace
# package to ship: `edge` or `control` (apps/), or `functions` (libs/functions, the function
# runner). docker-compose.yml builds one image per APP from this file.
#
#   docker build --build-arg APP=edge -t portico/edge .
#
# Stage 1 installs the whole workspace and builds the package with the libraries it uses;
# `pnpm deploy` then copies that package with only its production dependencies (and the
# built workspace libraries) into /out. Stage 2 is node:24-slim plus /out, run as `node`.

ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
ARG PNPM_VERSION=10.34.9
# corepack's download of pnpm fails its signature check; npm installs the pinned version.
RUN npm install --global pnpm@${PNPM_VERSION}
ENV CI=true
WORKDIR /repo
# Dependencies first: `pnpm fetch` needs only the lockfile, so this slow layer is reused
# until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
ARG APP=edge
# The package and every workspace package it depends on (the `...` suffix), in order.
RUN pnpm --filter "@portico/${APP}..." run build
# --legacy: pnpm 10's default deploy needs inject-workspace-packages, which this workspace
# does not use. Sources and build info are not needed at run time.
RUN pnpm deploy --legacy --filter "@portico/${APP}" --prod /out \
 && rm -rf /out/src /out/tsconfig*.json /out/dist/.tsbuildinfo

FROM ${NODE_IMAGE} AS runtime
ARG APP=edge
ENV NODE_ENV=production \
    PORTICO_APP=${APP}
WORKDIR /app
# Owned by root and only readable by the `node` user the process runs as.
COPY --from=build /out ./
USER node
# edge and control start with dist/main.js; the function runner is dist/cli.js (see
# docker-compose.yml's fn-hello service and docs/function-runner.md).
CMD ["node", "dist/main.js"]
