import { isIP } from "node:net";

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./i.test(bare) || /^(0+:){7}0*1$/.test(bare);
  return false;
}

/** What `reverie server` does about authentication before it listens. */
export type BindDecision = { action: "serve"; warning?: string } | { action: "refuse"; message: string };

/**
 * Bound to loopback the server may stay open for local use; bound to any other address it needs a key
 * (`REVERIE_API_KEY` or a stored one) unless the operator passed `--insecure-no-auth`, which is then
 * loudly warned about at every start.
 */
export function decideBind(options: {
  host: string;
  keyConfigured: boolean;
  insecureNoAuth: boolean;
}): BindDecision {
  const { host, keyConfigured, insecureNoAuth } = options;
  if (insecureNoAuth) {
    const consequence = keyConfigured
      ? "API keys are configured and still required, but the flag lets this server start without any."
      : isLoopbackHost(host)
        ? "No API key is configured: every program on this machine can use this server."
        : `No API key is configured: ANYONE who can reach ${host} can read, change and delete every agent and spend the provider keys.`;
    return {
      action: "serve",
      warning: [
        "WARNING: started with --insecure-no-auth.",
        consequence,
        "Create a key with `reverie keys create` or set REVERIE_API_KEY, then restart without --insecure-no-auth.",
      ].join("\n"),
    };
  }
  if (keyConfigured || isLoopbackHost(host)) return { action: "serve" };
  return {
    action: "refuse",
    message: [
      `Refusing to listen on ${host} without an API key: anyone who can reach it could read, change and delete every agent.`,
      "Configure a key first: set REVERIE_API_KEY=<a long random secret>, or run `reverie keys create --admin`",
      "(its key is shown once). To serve without keys anyway (a trusted network only), pass --insecure-no-auth.",
    ].join("\n"),
  };
}
