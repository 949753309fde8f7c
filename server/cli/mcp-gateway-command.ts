// `exoarmur mcp-gateway --url URL --api-key KEY [--name NAME] [--map FILE] -- <command> [args…]`:
// puts an MCP server behind ExoArmur (mcp-gateway-proxy.ts). Its stdout is the agent's MCP channel,
// so everything it says goes to stderr. Exit codes: 0 the agent closed the session, 1 the
// downstream server did not start or ended, 2 usage (arguments, the map file).

import type { Command } from "commander";
import { isActionSegment } from "./mcp-gateway-intent";
import { EMPTY_MAP, readToolMap } from "./mcp-gateway-map";
import type { CommandIO } from "./verify-command";

interface GatewayFlags {
  url?: string;
  apiKey?: string;
  name?: string;
  map?: string;
  ttl?: string;
}

/** Not handed to the downstream server: the gateway's own credential. */
const GATEWAY_ONLY_ENV = ["EXOARMUR_API_KEY"];

export function registerMcpGatewayCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  program
    .command("mcp-gateway")
    .description("serve an MCP server (stdio) to an agent with every tools/call decided by ExoArmur first")
    .usage("--url URL --api-key KEY [--name NAME] [--map FILE] -- <command> [args...]")
    .option("--url <url>", "the ExoArmur server (default: EXOARMUR_URL)")
    .option("--api-key <key>", "a client API key of the tenant (default: EXOARMUR_API_KEY)")
    .option("--name <name>", "the server's name in actions mcp.<name>.<tool> (default: its serverInfo.name)")
    .option("--map <file>", "JSON: per tool, the action, action class and the argument that is the target")
    .option(
      "--ttl <seconds>",
      "how long each call's intent (and an approval of it) stays valid (default: the server's, 600)",
    )
    .argument("<command...>", "the downstream MCP server's command and arguments, after --")
    .action(async (command: string[], flags: GatewayFlags) => {
      const usage = (message: string) => {
        io.err(`exoarmur mcp-gateway: ${message}`);
        setExit(2);
      };
      const url = flags.url ?? process.env.EXOARMUR_URL;
      const apiKey = flags.apiKey ?? process.env.EXOARMUR_API_KEY;
      if (!url || !URL.canParse(url)) return usage("--url (or EXOARMUR_URL) must be the server's URL");
      if (!apiKey) return usage("--api-key (or EXOARMUR_API_KEY) is required");
      if (flags.name !== undefined && !isActionSegment(flags.name))
        return usage("--name must be letters, digits, '_' or '-' (one segment of an action name)");
      const ttlSeconds = flags.ttl === undefined ? undefined : Number(flags.ttl);
      if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0))
        return usage("--ttl must be a positive whole number of seconds");
      let map = EMPTY_MAP;
      if (flags.map !== undefined) {
        const read = readToolMap(flags.map);
        if (!read.ok) return usage(read.message);
        map = read.map;
      }
      const [executable, ...args] = command;
      const env = Object.fromEntries(
        Object.entries(process.env).filter(
          (entry): entry is [string, string] =>
            entry[1] !== undefined && !GATEWAY_ONLY_ENV.includes(entry[0]),
        ),
      );
      const { runGateway } = await import("./mcp-gateway-proxy");
      setExit(
        await runGateway({
          url,
          apiKey,
          ...(flags.name ? { name: flags.name } : {}),
          map,
          ...(ttlSeconds ? { ttlSeconds } : {}),
          command: executable!,
          args,
          env,
          log: io.err,
        }),
      );
    });
}
