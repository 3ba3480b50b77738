import { z } from "zod";

const base = { tool_name: z.string(), prompt_template: z.string().nullable().optional() };

/** Letta's tool rules, a union on `type`. */
export const ToolRuleSchema = z.discriminatedUnion("type", [
  z.object({
    ...base,
    type: z.literal("run_first"),
    args: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
  z.object({ ...base, type: z.literal("exit_loop") }),
  z.object({ ...base, type: z.literal("continue_loop") }),
  z.object({
    ...base,
    type: z.literal("constrain_child_tools"),
    children: z.array(z.string()),
    child_arg_nodes: z
      .array(z.object({ name: z.string(), args: z.record(z.string(), z.unknown()).nullable().optional() }))
      .nullable()
      .optional(),
  }),
  z.object({ ...base, type: z.literal("parent_last_tool"), children: z.array(z.string()) }),
  z.object({
    ...base,
    type: z.literal("conditional"),
    default_child: z.string().nullable().optional(),
    child_output_mapping: z.record(z.string(), z.string()),
    require_output_mapping: z.boolean().optional(),
  }),
  z.object({ ...base, type: z.literal("required_before_exit") }),
  z.object({ ...base, type: z.literal("max_count_per_step"), max_count_limit: z.number().int().positive() }),
  z.object({ ...base, type: z.literal("requires_approval") }),
]);
export type ToolRule = z.infer<typeof ToolRuleSchema>;
