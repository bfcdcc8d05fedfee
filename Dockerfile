# The shipped English→Spanish model (models/en-es) served over HTTP on port 8080, one container per replica:
#   docker build -t transformer . && docker run -p 8080:8080 transformer
# Not built or run where it was written (no Docker there); see README.md, "Serving".
FROM node:20-slim

# A C/C++ toolchain and Python for node-gyp, so that `npm ci` builds the native backend; without them the install
# still succeeds and the server runs on WebAssembly, several times slower.
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ make python3 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN chown node:node /app
USER node

# the dependencies first, in their own layer, rebuilt only when the lock file changes (scripts need the sources)
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY --chown=node:node . .
# what npm ci's scripts would have done: the native addon, then the TypeScript build
RUN node scripts/build-native.mjs && npm run build

EXPOSE 8080
# --host 0.0.0.0: the container's port is published from outside it; the default (loopback) would be unreachable
CMD ["npx","transformer","serve","--host","0.0.0.0"]
