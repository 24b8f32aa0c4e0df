/**
 * Logs carry ids, counts and decisions only: never the prospect's phone number
 * or email, never a word of the transcript, never a secret.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { internal } from "../../../convex/_generated/api";
import { TEST_ENV } from "../../helpers/fakeWorld";
import { AGREED, BOOKED_REPLY } from "../../helpers/conversation";
import { endOfCallReport } from "../../helpers/vapiPayloads";
import { placeCall, postWebhook, runScheduled, setupWorld } from "../../helpers/world";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** Everything written to the console from now on, one string per call. */
function captureConsole(): string[] {
  const lines: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(" "));
    });
  }
  return lines;
}

const FORBIDDEN = [
  "+12015550123",
  "2015550123",
  "555-0123",
  "dana@clinic.example",
  "team@brightline.example",
  TEST_ENV.VAPI_API_KEY,
  TEST_ENV.GROQ_API_KEY,
  TEST_ENV.VAPI_WEBHOOK_SECRET,
  TEST_ENV.RESEND_API_KEY,
];

function expectClean(lines: string[]) {
  const sentences = AGREED.map(([, text]) => text);
  for (const line of lines) {
    for (const secret of [...FORBIDDEN, ...sentences]) expect(line).not.toContain(secret);
    // Transcript fragments too, not just whole sentences.
    expect(line).not.toMatch(/works for me|what times do you have|Could we set up/i);
  }
}

describe("observability", () => {
  test("a full booked flow logs structured events without contact details, transcript text or secrets", { timeout: 60_000 }, async () => {
    const lines = captureConsole();
    const { t, world, opportunityId } = await setupWorld();
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    world.groqReplies = [BOOKED_REPLY];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED)); // a duplicate
    await runScheduled(t);

    expectClean(lines);
    const events = lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(
      expect.arrayContaining(["call.scheduled", "call.dialed", "report.applied", "report.duplicate", "analysis.applied", "meeting.booked"]),
    );
  });

  test("failure paths stay clean too: a refused webhook, a Vapi error echoing the number, Groq errors", { timeout: 60_000 }, async () => {
    const lines = captureConsole();
    const { t, world, opportunityId } = await setupWorld();
    world.failVapiCreate(400, { message: ["customer.number +12015550123 is not a valid phone number"] });
    await t.mutation(internal.calls.startCall, { opportunityId });
    await runScheduled(t);
    world.on("POST", /^https:\/\/api\.vapi\.ai\/call$/, () => ({ status: 201, json: { id: "vapi-call-2" } }));
    const { callId, vapiCallId } = await placeCall(t, opportunityId);
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED), { authorization: "Bearer wrong" });
    world.groqReplies = [500, "Dana said: Tuesday at 2 PM works for me.", { ...BOOKED_REPLY, confidence: 0.2 }];
    await postWebhook(t, endOfCallReport(vapiCallId, callId, AGREED));
    await runScheduled(t);

    expectClean(lines);
    const events = lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(["call.dial_failed", "webhook.unauthorized", "analysis.failed", "task.opened"]));
  });
});
