import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A package the fake registry serves: its name, version and the tarball `npm pack` made of it. */
export interface PublishedTarball {
  name: string;
  version: string;
  tarballPath: string;
}

/** An npm registry on 127.0.0.1 that serves only the tarballs it was given. */
export interface FakeNpmRegistry {
  /** The registry URL, for `npm_config_registry`. */
  url: string;
  /** Paths requested, oldest first. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * Starts a registry speaking npm's wire format (a packument per package name, tarballs by URL with
 * their sha512 integrity), so `npm install name@range` resolves and installs with no other registry.
 * Unknown packages are 404s, as on the real registry.
 */
export async function startFakeNpmRegistry(packages: PublishedTarball[]): Promise<FakeNpmRegistry> {
  const requests: string[] = [];
  const tarballs = new Map<string, Buffer>();
  let base = "";
  const packument = (name: string) => {
    const versions: Record<string, unknown> = {};
    let latest = "";
    for (const published of packages.filter((candidate) => candidate.name === name)) {
      const data = readFileSync(published.tarballPath);
      const file = `${name.replace(/^@[^/]+\//, "")}-${published.version}.tgz`;
      const path = `/${name}/-/${file}`;
      tarballs.set(path, data);
      versions[published.version] = {
        name,
        version: published.version,
        dist: {
          tarball: `${base}${path}`,
          shasum: createHash("sha1").update(data).digest("hex"),
          integrity: `sha512-${createHash("sha512").update(data).digest("base64")}`,
        },
      };
      latest = published.version;
    }
    return latest ? { name, "dist-tags": { latest }, versions } : undefined;
  };

  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    requests.push(path);
    const tarball = tarballs.get(path);
    if (tarball) {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(tarball);
      return;
    }
    const document = packument(path.slice(1));
    if (document) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(document));
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "Not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
