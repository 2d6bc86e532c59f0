# One image recipe for every Portico process. The build argument APP names the workspace
# package to ship: `edge`, `control`, `connections`, `auth`, `ratelimit` or `cache` (apps/), or
# `functions` (libs/functions, the function runner). docker-compose.yml builds one image per APP
# from this file.
#
#   docker build --build-arg APP=edge -t portico/edge .
#   docker run -e NATS_URL=nats://… -e REDIS_URL=redis://… portico/edge
#
# The function runner's image needs a handler module and a function name:
#
#   docker run -e NATS_URL=nats://… -v "$PWD/demo/functions:/functions:ro" portico/functions
#     node dist/cli.js /functions/hello.mjs --name hello     (one command line)
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
# The image's default command runs start.js, a link to the APP's entry point: dist/main.js for
# edge, control and connections, dist/cli.js for the function runner (without a handler module
# and --name it prints its usage). Node runs the link's target, so the entry point sees itself as
# the main module.
RUN entry=dist/main.js; if [ "${APP}" = functions ]; then entry=dist/cli.js; fi \
 && test -f "/out/${entry}" \
 && ln -s "${entry}" /out/start.js

FROM ${NODE_IMAGE} AS runtime
ARG APP=edge
ENV NODE_ENV=production \
    PORTICO_APP=${APP}
WORKDIR /app
# COPY makes the files root's and keeps their modes (readable by all, writable by the owner
# only), so the `node` user the process runs as can read the app but not change it.
COPY --from=build /out ./
USER node
# docker-compose.yml names each service's command itself (fn-hello adds the handler module and
# --name); this is the default for `docker run`.
CMD ["node", "start.js"]
