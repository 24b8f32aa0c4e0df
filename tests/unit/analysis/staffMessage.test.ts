import { describe, expect, test } from "vitest";
import { ANALYSIS_REPLY_SCHEMA, parseAnalysisReply } from "../../../convex/model/analysis/reply";

const base = { meetingBooked: false, confidence: 0.9, evidence: null };

describe("the analysis reply's message for staff", () => {
  test("a reply without messageForStaff and urgent stays valid", () => {
    const reply = parseAnalysisReply(JSON.stringify(base));
    expect(reply.messageForStaff).toBeUndefined();
    expect(reply.urgent).toBeUndefined();
  });

  test("strict mode's nulls read as no message, not urgent", () => {
    const reply = parseAnalysisReply(JSON.stringify({ ...base, messageForStaff: null, urgent: null }));
    expect(reply.messageForStaff ?? null).toBeNull();
    expect(reply.urgent).toBeUndefined();
  });

  test("a message and its urgency are kept", () => {
    const reply = parseAnalysisReply(JSON.stringify({ ...base, messageForStaff: "Call Sam back today.", urgent: true }));
    expect(reply).toMatchObject({ messageForStaff: "Call Sam back today.", urgent: true });
  });

  test("the schema the model is held to asks for both, nullable", () => {
    const { properties, required } = ANALYSIS_REPLY_SCHEMA.schema as { properties: Record<string, { type?: unknown; anyOf?: unknown }>; required: string[] };
    expect(required).toEqual(expect.arrayContaining(["messageForStaff", "urgent"]));
    expect(JSON.stringify(properties.messageForStaff)).toContain("null");
    expect(properties.urgent.type).toEqual(["boolean", "null"]);
  });
});
