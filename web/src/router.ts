import { useEffect, useState } from "react";

/** The app's pages, read from the URL's hash (`#/agents/agent-1/palace`), so any static server works. */
export type Route =
  | { page: "agents" }
  | { page: "agent"; agentId: string; tab: AgentTab }
  | { page: "tools" }
  | { page: "settings" }
  | { page: "not-found"; path: string };

export const AGENT_TABS = ["chat", "palace", "context", "runs", "tools"] as const;
export type AgentTab = (typeof AGENT_TABS)[number];

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts[0] === "agents" && parts.length === 1)) return { page: "agents" };
  if (parts[0] === "agents" && parts[1]) {
    const tab = (parts[2] ?? "chat") as AgentTab;
    if (AGENT_TABS.includes(tab) && parts.length <= 3) return { page: "agent", agentId: parts[1], tab };
  }
  if (parts[0] === "tools" && parts.length === 1) return { page: "tools" };
  if (parts[0] === "settings" && parts.length === 1) return { page: "settings" };
  return { page: "not-found", path };
}

export function href(route: Route): string {
  switch (route.page) {
    case "agents":
      return "#/agents";
    case "agent":
      return `#/agents/${encodeURIComponent(route.agentId)}/${route.tab}`;
    case "tools":
      return "#/tools";
    case "settings":
      return "#/settings";
    case "not-found":
      return `#${route.path}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return route;
}
