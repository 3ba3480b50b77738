import { describe, expect, it } from "vitest";
import type { ContractContext } from "./contract-context.js";

export function describeTransactionContract(context: ContractContext): void {
  describe("transactions", () => {
    it("commits everything written through the transaction's store", async () => {
      const { store, f } = context;
      const agent = f.agent();
      const block = f.block();
      const result = await store.transaction(async (tx) => {
        await tx.agents.create(agent);
        await tx.blocks.create(block, { type: "system", id: null });
        await tx.blocks.attach(agent.id, block.id);
        expect(await tx.agents.get(agent.id)).toEqual(agent);
        return "done";
      });
      expect(result).toBe("done");
      expect(await store.agents.get(agent.id)).toEqual(agent);
      expect(await store.blocks.listForAgent(agent.id)).toEqual([block]);
    });

    it("rolls back everything when the function throws, block revisions included", async () => {
      const { store, f } = context;
      const existing = await store.blocks.create(f.block({ value: "kept" }), { type: "user", id: null });
      const agent = f.agent();
      const block = f.block();
      await expect(
        store.transaction(async (tx) => {
          await tx.agents.create(agent);
          await tx.blocks.create(block, { type: "system", id: null });
          await tx.blocks.update(existing.id, { value: "torn" }, { type: "agent", id: agent.id });
          await tx.messages.append([f.message(agent.id, "never stored")]);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.agents.get(agent.id)).toBeUndefined();
      expect(await store.blocks.get(block.id)).toBeUndefined();
      expect((await store.blocks.get(existing.id))?.value).toBe("kept");
      expect(await store.blocks.revisions(existing.id)).toHaveLength(1);
      expect(await store.messages.list({ agent_id: agent.id })).toEqual([]);
    });

    it("nested transactions join the outer one", async () => {
      const { store, f } = context;
      const outer = f.agent();
      const inner = f.agent();
      await expect(
        store.transaction(async (tx) => {
          await tx.agents.create(outer);
          await tx.transaction(async (nested) => {
            await nested.agents.create(inner);
          });
          expect(await tx.agents.get(inner.id)).toEqual(inner);
          throw new Error("outer fails after the inner one finished");
        }),
      ).rejects.toThrow("outer fails");
      expect(await store.agents.get(outer.id)).toBeUndefined();
      expect(await store.agents.get(inner.id)).toBeUndefined();

      await store.transaction((tx) => tx.transaction((nested) => nested.agents.create(inner)));
      expect(await store.agents.get(inner.id)).toEqual(inner);
    });

    it("refuses root-store calls made from inside a transaction instead of hanging", async () => {
      const { store, f } = context;
      const agent = f.agent();
      await expect(
        store.transaction(async (tx) => {
          await tx.agents.create(agent);
          await store.agents.get(agent.id);
        }),
      ).rejects.toThrow(/transaction's store/);
      expect(await store.agents.get(agent.id)).toBeUndefined();
      await expect(store.transaction(() => store.transaction(async () => 1))).rejects.toThrow(
        /transaction's store/,
      );
      // Outside the transaction, and concurrently with one, the root store works as usual.
      const inside = store.transaction(async (tx) => tx.agents.create(agent));
      const outside = store.agents.count();
      await inside;
      expect(await outside).toBeGreaterThanOrEqual(0);
      expect(await store.agents.get(agent.id)).toEqual(agent);
    });
  });
}
