import { homedir } from "node:os";
import { join } from "node:path";

/** `REVERIE_HOME`, defaulting to `~/.reverie`: the data directory (database, models). */
export function reverieHome(env: Record<string, string | undefined>): string {
  return env.REVERIE_HOME?.trim() || join(homedir(), ".reverie");
}
