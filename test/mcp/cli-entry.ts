import { main } from "../../src/cli/main.js";

// Runs the `reverie` CLI from source (through tsx), for tests that need a real process without a build.
process.exitCode = await main(process.argv.slice(2));
