import { describe, expect, it } from "vitest";
import type { Organization } from "../../src/domain/index.js";
import type { Store } from "../../src/store/store.js";
import { DEFAULT_ORGANIZATION_ID, withOrganization } from "../../src/store/tenancy.js";
import { type ContractContext, expectReverieError, ids } from "./contract-context.js";
import { file, source, view } from "./contract-files.js";
import { type Fixtures, vectorNear } from "./fixtures.js";

const USER = { type: "user" as const, id: null };

async function newOrganization(store: Store, f: Fixtures, name: string): Promise<Organization> {
  const now = f.now();
  return store.organizations.create({ id: f.id("org"), name, created_at: now, updated_at: now });
}

/** One of everything, made in the current organization. */
async function populate(store: Store, f: Fixtures) {
  const agent = await store.agents.create(f.agent({ name: "shared-name", tags: ["secret-tag"] }));
  const block = await store.blocks.create(f.block({ label: "human", value: "alpha secret" }), USER);
  await store.blocks.attach(agent.id, block.id);
  await store.blocks.update(block.id, { value: "alpha secret v2" }, USER);
  const tool = await store.tools.create(f.tool({ name: "shared_tool" }));
  await store.tools.attach(agent.id, tool.id);
  const archive = await store.archives.create(f.archive({ name: "notes" }));
  await store.archives.attach(agent.id, archive.id, true);
  const passage = f.passage(archive.id, "the lighthouse keeper's secret", vectorNear(4, 1), {
    tags: ["private"],
  });
  await store.passages.insert([passage]);
  const [message] = await store.messages.append([f.message(agent.id, "otters hold hands while sleeping")]);
  await store.messages.setEmbeddings([{ id: message!.id, embedding: vectorNear(4, 2), model: "m" }]);
  const run = await store.runs.create(f.run(agent.id, { status: "running" }));
  const step = await store.steps.create(f.step(agent.id, run.id));
  const conversation = await store.conversations.create(f.conversation(agent.id));
  const identity = await store.identities.create(
    f.identity({ identifier_key: "end-user", agent_ids: [agent.id], block_ids: [block.id] }),
  );
  const group = await store.groups.create(f.group({ manager_agent_id: agent.id, agent_ids: [agent.id] }));
  const { job } = await store.jobs.enqueue({
    id: f.id("job"),
    now: f.at(0),
    kind: "work",
    payload: {},
    concurrency_key: `key-${agent.id}`,
  });
  const folder = await store.sources.create(source(f.now(), { name: "docs" }));
  const stored = await store.files.create(file(folder.id, f.now()), new TextEncoder().encode("hello"));
  await store.files.setText(stored.id, "hello world");
  await store.sources.attach(agent.id, folder.id, f.now());
  await store.files.putAgentFile(view(agent.id, stored, f.now(), true));
  return {
    agent,
    block,
    tool,
    archive,
    passage,
    message: message!,
    run,
    step,
    conversation,
    identity,
    group,
    job,
    folder,
    file: stored,
  };
}

type World = Awaited<ReturnType<typeof populate>>;

/** Everything organization A can see of its world, to check that B's attempts changed nothing. */
async function snapshot(store: Store, world: World) {
  return {
    agent: await store.agents.get(world.agent.id),
    blocks: await store.blocks.listForAgent(world.agent.id),
    revisions: await store.blocks.revisions(world.block.id),
    tools: ids(await store.tools.listForAgent(world.agent.id)),
    archives: ids(await store.archives.listForAgent(world.agent.id)),
    passage: await store.passages.get(world.passage.id),
    message: await store.messages.get(world.message.id),
    run: await store.runs.get(world.run.id),
    step: await store.steps.get(world.step.id),
    conversation: await store.conversations.get(world.conversation.id),
    identity: await store.identities.get(world.identity.id),
    group: await store.groups.get(world.group.id),
    job: await store.jobs.get(world.job.id),
    folder: await store.sources.get(world.folder.id),
    folders: ids(await store.sources.listForAgent(world.agent.id)),
    file: await store.files.get(world.file.id),
    text: await store.files.text(world.file.id),
    views: await store.files.listAgentFiles(world.agent.id),
  };
}

export function describeTenancyContract(context: ContractContext): void {
  describe("tenancy", () => {
    it("always has the default organization, and works in it outside any scope", async () => {
      const { store, f } = context;
      expect(await store.organizations.get(DEFAULT_ORGANIZATION_ID)).toMatchObject({ name: "default" });
      const agent = await store.agents.create(f.agent());
      expect(await withOrganization(DEFAULT_ORGANIZATION_ID, () => store.agents.get(agent.id))).toEqual(
        agent,
      );
      const other = await newOrganization(store, f, "acme");
      expect(await store.organizations.get(other.id)).toEqual(other);
      expect((await store.organizations.list()).map((org) => org.id).sort()).toEqual(
        [DEFAULT_ORGANIZATION_ID, other.id].sort(),
      );
      expect(await store.organizations.update(other.id, { name: "acme inc" })).toMatchObject({
        name: "acme inc",
      });
    });

    it("hides every object of one organization from another, by id, in lists and in searches", async () => {
      const { store, f } = context;
      const a = await newOrganization(store, f, "a");
      const b = await newOrganization(store, f, "b");
      const world = await withOrganization(a.id, () => populate(store, f));
      const before = await withOrganization(a.id, () => snapshot(store, world));
      expect(before.agent).toBeDefined();
      expect(before.text).toBe("hello world");
      expect(before.views).toHaveLength(1);

      await withOrganization(b.id, async () => {
        // By id: as if it did not exist.
        expect(await store.agents.get(world.agent.id)).toBeUndefined();
        expect(await store.blocks.get(world.block.id)).toBeUndefined();
        expect(await store.blocks.getMany([world.block.id])).toEqual([]);
        expect(await store.tools.get(world.tool.id)).toBeUndefined();
        expect(await store.tools.getByName("shared_tool")).toBeUndefined();
        expect(await store.archives.get(world.archive.id)).toBeUndefined();
        expect(await store.passages.get(world.passage.id)).toBeUndefined();
        expect(await store.messages.get(world.message.id)).toBeUndefined();
        expect(await store.messages.getMany([world.message.id])).toEqual([]);
        expect(await store.runs.get(world.run.id)).toBeUndefined();
        expect(await store.steps.get(world.step.id)).toBeUndefined();
        expect(await store.conversations.get(world.conversation.id)).toBeUndefined();
        expect(await store.identities.get(world.identity.id)).toBeUndefined();
        expect(await store.groups.get(world.group.id)).toBeUndefined();
        expect(await store.jobs.get(world.job.id)).toBeUndefined();
        expect(await store.sources.get(world.folder.id)).toBeUndefined();
        expect(await store.sources.getByName("docs")).toBeUndefined();
        expect(await store.files.get(world.file.id)).toBeUndefined();
        expect(await store.files.getByName(world.folder.id, "notes.md")).toBeUndefined();
        expect(await store.files.raw(world.file.id)).toBeUndefined();
        expect(await store.files.text(world.file.id)).toBeUndefined();

        // Lists, counts and what hangs off A's objects.
        expect(await store.agents.list({})).toEqual([]);
        expect(await store.agents.list({ name: "shared-name" })).toEqual([]);
        expect(await store.agents.count()).toBe(0);
        expect(await store.agents.listTags({})).toEqual([]);
        expect(await store.blocks.list({})).toEqual([]);
        expect(await store.blocks.listForAgent(world.agent.id)).toEqual([]);
        expect(await store.blocks.getForAgentByLabel(world.agent.id, "human")).toBeUndefined();
        expect(await store.blocks.agentIds(world.block.id)).toEqual([]);
        expect(await store.blocks.revisions(world.block.id)).toEqual([]);
        expect(await store.blocks.latestRevision(world.block.id)).toBeUndefined();
        expect(await store.blocks.revisionAt(world.block.id, 1)).toBeUndefined();
        expect(await store.blocks.getRevision(world.block.id, before.revisions[0]!.id)).toBeUndefined();
        expect(await store.tools.list({})).toEqual([]);
        expect(await store.tools.listForAgent(world.agent.id)).toEqual([]);
        expect(await store.archives.list({})).toEqual([]);
        expect(await store.archives.list({ agent_id: world.agent.id })).toEqual([]);
        expect(await store.archives.listForAgent(world.agent.id)).toEqual([]);
        expect(await store.archives.agentIds(world.archive.id)).toEqual([]);
        expect(await store.passages.list({ archive_ids: [world.archive.id] })).toEqual([]);
        expect(await store.passages.count([world.archive.id])).toBe(0);
        expect(await store.passages.tags([world.archive.id])).toEqual([]);
        expect(await store.messages.list({ agent_id: world.agent.id })).toEqual([]);
        expect(await store.messages.list({})).toEqual([]);
        expect(await store.messages.count({ agent_id: world.agent.id })).toBe(0);
        expect(await store.messages.count({})).toBe(0);
        expect(
          await store.messages.listUnembedded({ agent_id: world.agent.id, model: "x", limit: 10 }),
        ).toEqual([]);
        expect(await store.messages.countUnembedded({ agent_id: world.agent.id, model: "x" })).toBe(0);
        expect(await store.runs.list({})).toEqual([]);
        expect(await store.runs.list({ agent_id: world.agent.id })).toEqual([]);
        expect(await store.steps.list({})).toEqual([]);
        expect(await store.conversations.list({})).toEqual([]);
        expect(await store.identities.list({})).toEqual([]);
        expect(await store.identities.listForAgent(world.agent.id)).toEqual([]);
        expect(await store.groups.list({})).toEqual([]);
        expect(await store.groups.count()).toBe(0);
        expect(await store.groups.listForAgent(world.agent.id)).toEqual([]);
        expect(await store.jobs.list({})).toEqual([]);
        expect(await store.sources.list({})).toEqual([]);
        expect(await store.sources.count()).toBe(0);
        expect(await store.sources.listForAgent(world.agent.id)).toEqual([]);
        expect(await store.sources.agentIds(world.folder.id)).toEqual([]);
        expect(await store.files.list({ source_id: world.folder.id })).toEqual([]);
        expect(await store.files.names(world.folder.id)).toEqual([]);
        expect(await store.files.stats()).toEqual({ files: 0, bytes: 0 });
        expect(await store.files.getAgentFile(world.agent.id, world.file.id)).toBeUndefined();
        expect(await store.files.listAgentFiles(world.agent.id)).toEqual([]);
        expect(await store.files.fileAgentIds(world.file.id)).toEqual([]);

        // Searches, naming A's archive, agent and folder outright.
        const scope = { archive_ids: [world.archive.id], source_ids: [world.folder.id] };
        expect(await store.passages.searchVector(scope, vectorNear(4, 1), 5)).toEqual([]);
        expect(await store.passages.searchText(scope, "lighthouse", 5)).toEqual([]);
        expect(await store.messages.searchText({ query: "otters", limit: 5 })).toEqual([]);
        expect(
          await store.messages.searchText({ agent_id: world.agent.id, query: "otters", limit: 5 }),
        ).toEqual([]);
        expect(await store.messages.searchVector({ vector: vectorNear(4, 2), limit: 5 })).toEqual([]);
        expect(await store.messages.adjacent([world.message.id], ["user", "assistant"])).toEqual(new Map());

        // Cursors into A's lists are unknown here: ignored, as any cursor naming nothing (no position leaks).
        expect(await store.agents.list({ after: world.agent.id })).toEqual(await store.agents.list({}));
        expect(await store.agents.list({ before: world.agent.id, order: "asc" })).toEqual(
          await store.agents.list({ order: "asc" }),
        );

        // Changes and deletions reach nothing.
        expect(await store.agents.update(world.agent.id, { name: "stolen" })).toBeUndefined();
        expect(await store.blocks.update(world.block.id, { value: "stolen" }, USER)).toBeUndefined();
        expect(await store.tools.update(world.tool.id, { description: "stolen" })).toBeUndefined();
        expect(await store.archives.update(world.archive.id, { name: "stolen" })).toBeUndefined();
        await store.passages.setEmbedding(world.passage.id, null, null);
        expect(await store.messages.update(world.message.id, { name: "stolen" })).toBeUndefined();
        await store.messages.setEmbeddings([{ id: world.message.id, embedding: null, model: "stolen" }]);
        expect(await store.runs.update(world.run.id, { status: "failed" })).toBeUndefined();
        expect(await store.steps.update(world.step.id, { status: "failed" })).toBeUndefined();
        expect(await store.conversations.update(world.conversation.id, { summary: "x" })).toBeUndefined();
        expect(await store.identities.update(world.identity.id, { name: "stolen" })).toBeUndefined();
        expect(await store.groups.update(world.group.id, { description: "stolen" })).toBeUndefined();
        expect(await store.groups.incrementTurns(world.group.id)).toBeUndefined();
        expect(await store.jobs.reschedule(world.job.id, f.at(1), f.at(99))).toBe(false);
        expect(await store.jobs.cancel(world.job.id, f.at(1))).toBe(false);
        expect(await store.sources.update(world.folder.id, { name: "stolen" })).toBeUndefined();
        expect(await store.files.update(world.file.id, { processing_status: "error" })).toBeUndefined();
        await store.files.setText(world.file.id, "stolen");
        expect(await store.files.deletePassages(world.file.id)).toBe(0);
        await expectReverieError(
          store.files.putAgentFile(view(world.agent.id, world.file, f.now(), false)),
          "not_found",
        );

        expect(await store.blocks.detach(world.agent.id, world.block.id)).toBe(false);
        expect(await store.tools.detach(world.agent.id, world.tool.id)).toBe(false);
        expect(await store.archives.detach(world.agent.id, world.archive.id)).toBe(false);
        expect(await store.identities.detach(world.agent.id, world.identity.id)).toBe(false);
        expect(await store.sources.detach(world.agent.id, world.folder.id)).toBe(false);

        expect(await store.passages.delete(world.passage.id)).toBe(false);
        expect(await store.files.delete(world.file.id)).toBe(false);
        expect(await store.sources.delete(world.folder.id)).toBe(false);
        expect(await store.conversations.delete(world.conversation.id)).toBe(false);
        expect(await store.identities.delete(world.identity.id)).toBe(false);
        expect(await store.groups.delete(world.group.id)).toBe(false);
        expect(await store.archives.delete(world.archive.id)).toBe(false);
        expect(await store.tools.delete(world.tool.id)).toBe(false);
        expect(await store.blocks.delete(world.block.id)).toBe(false);
        expect(await store.agents.delete(world.agent.id)).toBe(false);
      });

      expect(await withOrganization(a.id, () => snapshot(store, world))).toEqual(before);
      // A still finds its own through every search.
      await withOrganization(a.id, async () => {
        const scope = { archive_ids: [world.archive.id] };
        expect((await store.passages.searchVector(scope, vectorNear(4, 1), 5)).length).toBe(1);
        expect((await store.passages.searchText(scope, "lighthouse", 5)).length).toBe(1);
        expect((await store.messages.searchText({ query: "otters", limit: 5 })).length).toBe(1);
        expect((await store.messages.searchVector({ vector: vectorNear(4, 2), limit: 5 })).length).toBe(1);
        expect((await store.messages.adjacent([world.message.id], ["user"])).size).toBe(1);
        expect(await store.agents.listTags({})).toEqual(["secret-tag"]);
      });
    });

    it("never links objects of two organizations", async () => {
      const { store, f } = context;
      const a = await newOrganization(store, f, "a");
      const b = await newOrganization(store, f, "b");
      const mine = await withOrganization(a.id, () => populate(store, f));
      await withOrganization(b.id, async () => {
        const agent = await store.agents.create(f.agent());
        const block = await store.blocks.create(f.block({ label: "persona" }), USER);
        await expectReverieError(store.blocks.attach(agent.id, mine.block.id), "not_found");
        await expectReverieError(store.blocks.attach(mine.agent.id, block.id), "not_found");
        await expectReverieError(store.tools.attach(agent.id, mine.tool.id), "not_found");
        await expectReverieError(store.archives.attach(agent.id, mine.archive.id, false), "not_found");
        await expectReverieError(store.identities.attach(agent.id, mine.identity.id), "not_found");
        await expectReverieError(store.sources.attach(agent.id, mine.folder.id, f.now()), "not_found");
        await expectReverieError(
          store.identities.create(f.identity({ agent_ids: [mine.agent.id] })),
          "not_found",
        );
        await expectReverieError(
          store.identities.create(f.identity({ block_ids: [mine.block.id] })),
          "not_found",
        );
        await expectReverieError(store.groups.create(f.group({ agent_ids: [mine.agent.id] })), "not_found");
        await expectReverieError(
          store.files.create(file(mine.folder.id, f.now()), new Uint8Array([1])),
          "not_found",
        );
        expect(await store.identities.list({})).toEqual([]);
        expect(await store.groups.list({})).toEqual([]);
      });
      expect(await withOrganization(a.id, () => store.blocks.agentIds(mine.block.id))).toEqual([
        mine.agent.id,
      ]);
    });

    it("keeps tool and folder names unique per organization, not across organizations", async () => {
      const { store, f } = context;
      const a = await newOrganization(store, f, "a");
      const b = await newOrganization(store, f, "b");
      const inA = await withOrganization(a.id, () => store.tools.create(f.tool({ name: "lookup" })));
      const inB = await withOrganization(b.id, () => store.tools.create(f.tool({ name: "lookup" })));
      await withOrganization(a.id, () =>
        expectReverieError(store.tools.create(f.tool({ name: "lookup" })), "conflict"),
      );
      // An upsert by name replaces the organization's own tool only.
      const replaced = await withOrganization(b.id, () =>
        store.tools.upsertByName(f.tool({ name: "lookup", description: "B's" })),
      );
      expect(replaced.id).toBe(inB.id);
      expect(await withOrganization(a.id, () => store.tools.getByName("lookup"))).toEqual(inA);

      await withOrganization(a.id, () => store.sources.create(source(f.now(), { name: "docs" })));
      await withOrganization(b.id, () => store.sources.create(source(f.now(), { name: "docs" })));
      await withOrganization(b.id, () =>
        expectReverieError(store.sources.create(source(f.now(), { name: "docs" })), "conflict"),
      );
    });

    it("claims and recovers across organizations, saying whose each job and run is", async () => {
      const { store, f } = context;
      const a = await newOrganization(store, f, "a");
      const b = await newOrganization(store, f, "b");
      const enqueue = () =>
        store.jobs.enqueue({ id: f.id("job"), now: f.at(0), kind: "work", payload: {} }).then((r) => r.job);
      const jobA = await withOrganization(a.id, enqueue);
      const jobB = await withOrganization(b.id, enqueue);
      expect([jobA.organization_id, jobB.organization_id]).toEqual([a.id, b.id]);
      const claimed = await store.jobs.claim({
        owner: "worker",
        kinds: ["work"],
        now: f.at(1),
        leaseMs: 60_000,
        limit: 5,
      });
      expect(claimed.map((job) => [job.id, job.organization_id]).sort()).toEqual(
        [
          [jobA.id, a.id],
          [jobB.id, b.id],
        ].sort(),
      );
      // Held-job operations work in the job's own organization only.
      expect(await withOrganization(b.id, () => store.jobs.complete(jobA.id, "worker", f.at(2)))).toBe(false);
      expect(await withOrganization(a.id, () => store.jobs.complete(jobA.id, "worker", f.at(2)))).toBe(true);

      const runIn = (org: Organization) =>
        withOrganization(org.id, async () => {
          const agent = await store.agents.create(f.agent());
          return store.runs.create(f.run(agent.id, { status: "running" }));
        });
      const runA = await runIn(a);
      const runB = await runIn(b);
      const unfinished = await store.runs.listUnfinishedInAllOrganizations(10);
      expect(unfinished.map((entry) => [entry.run.id, entry.organization_id])).toEqual([
        [runA.id, a.id],
        [runB.id, b.id],
      ]);
      const [first] = await store.runs.listUnfinishedInAllOrganizations(1);
      const rest = await store.runs.listUnfinishedInAllOrganizations(10, first!.run);
      expect(rest.map((entry) => entry.run.id)).toEqual([runB.id]);
    });
  });
}
