import { posix } from "node:path";
import type { ClientSkill } from "../../domain/index.js";

/** One skill listed to the model: its name, the first line of its description, its SKILL.md. */
export interface SkillEntry {
  name: string;
  description: string;
  location: string;
}

/** What a skill block contributes: its label (`skills/<name>` or `skills/<name>/SKILL`) and description. */
export interface SkillBlock {
  label: string;
  description: string | null;
}

const firstLine = (text: string | null | undefined) => (text ?? "").trim().split("\n")[0]?.trim() ?? "";

/**
 * The skills of a request, as Letta lists them: the agent's own (its `skills/<name>` memory blocks, found
 * under the memory directory), then the client's, a name listed once (the agent's own wins).
 */
export function skillEntries(
  blocks: readonly SkillBlock[],
  clientSkills: readonly ClientSkill[],
): SkillEntry[] {
  const entries: SkillEntry[] = [];
  const seen = new Set<string>();
  const add = (entry: SkillEntry) => {
    if (seen.has(entry.name)) return;
    seen.add(entry.name);
    entries.push(entry);
  };
  for (const block of blocks) {
    const parts = block.label.split("/");
    const topLevel = parts.length === 2 || (parts.length === 3 && parts[2] === "SKILL");
    if (parts[0] !== "skills" || !parts[1] || !topLevel) continue;
    add({
      name: parts[1],
      description: firstLine(block.description),
      location: `\${MEMORY_DIR}/skills/${parts[1]}/SKILL.md`,
    });
  }
  for (const skill of clientSkills) {
    add({
      name: skill.name,
      description: firstLine(skill.description),
      location: skill.location.trim() || `\${MEMORY_DIR}/skills/${skill.name}/SKILL.md`,
    });
  }
  return entries;
}

/**
 * Where a skill is shown: under the directory holding its folder (`<root>/<name>/SKILL.md` shows as
 * `<name>/SKILL.md` under `<root>`), else under the directory of the file itself.
 */
function rootOf(entry: SkillEntry): { root: string; path: string } {
  const location = entry.location.trim();
  const folder = posix.dirname(location);
  if (location.endsWith("/SKILL.md") && posix.basename(folder) === entry.name.split("/").at(-1)) {
    const root = posix.dirname(folder);
    return { root, path: posix.relative(root, location) };
  }
  return { root: folder, path: posix.basename(location) };
}

interface TreeNode {
  dirs: Map<string, TreeNode>;
  files: Map<string, string>;
}

const emptyNode = (): TreeNode => ({ dirs: new Map(), files: new Map() });

function drawTree(node: TreeNode, prefix: string, lines: string[]): void {
  const entries = [
    ...[...node.dirs.keys()].sort().map((name) => ({ name, dir: true })),
    ...[...node.files.keys()].sort().map((name) => ({ name, dir: false })),
  ];
  entries.forEach(({ name, dir }, index) => {
    const last = index === entries.length - 1;
    const branch = last ? "└── " : "├── ";
    if (dir) {
      lines.push(`${prefix}${branch}${name}/`);
      drawTree(node.dirs.get(name)!, prefix + (last ? "    " : "│   "), lines);
    } else {
      const description = node.files.get(name) ?? "";
      lines.push(`${prefix}${branch}${name}${description ? ` (${description})` : ""}`);
    }
  });
}

/**
 * Letta's `<available_skills>` section: the skills' files as a tree under each root directory, each
 * SKILL.md followed by its description. Empty when there is no skill.
 */
export function renderAvailableSkills(entries: readonly SkillEntry[]): string {
  if (entries.length === 0) return "";
  const roots = new Map<string, TreeNode>();
  for (const entry of entries) {
    const { root, path } = rootOf(entry);
    const tree = roots.get(root) ?? emptyNode();
    roots.set(root, tree);
    const parts = path.split("/").filter(Boolean);
    const file = parts.pop();
    if (file === undefined) continue;
    let node = tree;
    for (const part of parts) {
      const next = node.dirs.get(part) ?? emptyNode();
      node.dirs.set(part, next);
      node = next;
    }
    node.files.set(file, entry.description);
  }
  const sections = [...roots.keys()].sort().map((root) => {
    const lines = [root];
    drawTree(roots.get(root)!, "", lines);
    return lines.join("\n");
  });
  return `<available_skills>\n${sections.join("\n\n")}\n</available_skills>`;
}

/** The system prompt of one request: the stored one, with the request's skills at its end (never stored). */
export function withAvailableSkills(system: string, skills: string): string {
  return skills ? `${system.replace(/\n+$/, "")}\n\n${skills}` : system;
}
