import { expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { promptOf, runScheduled, setupWorld } from "../../helpers/world";

test("a call started at night dials at 08:00 the prospect's time with a fresh offer", { timeout: 60_000 }, async () => {
  const { t, world, opportunityId } = await setupWorld({ prospect: { timeZone: "America/Los_Angeles" } });
  // 03:00 in Los Angeles (06:00 in New York).
  vi.setSystemTime(Date.parse("2026-11-21T11:00:00Z"));
  const callId = await t.mutation(internal.calls.startCall, { opportunityId });
  const prepared = await t.run((ctx) => ctx.db.get("calls", callId));
  expect(prepared?.dialAt).toBe(Date.parse("2026-11-21T16:00:00Z")); // 08:00 PST
  expect(world.to("api.vapi.ai")).toHaveLength(0);

  await runScheduled(t);
  const dialed = await t.run((ctx) => ctx.db.get("calls", callId));
  expect(world.to("api.vapi.ai/call")).toHaveLength(1);
  expect(dialed?.status).toBe("queued");
  // The offer was rebuilt at dial time: "now" in the prompt is the dial moment.
  const prompt = await promptOf(t, callId);
  expect(prompt).toContain("Saturday, November 21, 2026, 11:00 AM EST");
  expect(prompt).toContain("8:00 AM PST");
  const sent = world.to("api.vapi.ai/call")[0].body as { assistantOverrides: { metadata: { offeredSlotsISO: string[] } } };
  expect(sent.assistantOverrides.metadata.offeredSlotsISO).toEqual(dialed?.offeredSlotsISO);
});
