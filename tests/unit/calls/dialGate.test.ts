import { describe, expect, test } from "vitest";
import { holderOf, outboundLines } from "../../../convex/model/calls/dialGate";
import { CONCURRENCY_ENDED_REASON, isConcurrencyRefusal } from "../../../convex/model/calls/refusals";
import type { Id } from "../../../convex/_generated/dataModel";

describe("outboundLines", () => {
  test("defaults: 10 calls at Vapi, 2 kept for inbound", () => {
    expect(outboundLines({})).toBe(8);
    expect(outboundLines({ VAPI_MAX_CONCURRENT_CALLS: "", VAPI_INBOUND_RESERVE: " " })).toBe(8);
  });

  test("a raised Vapi limit and another reserve", () => {
    expect(outboundLines({ VAPI_MAX_CONCURRENT_CALLS: "50", VAPI_INBOUND_RESERVE: "5" })).toBe(45);
    expect(outboundLines({ VAPI_MAX_CONCURRENT_CALLS: "3", VAPI_INBOUND_RESERVE: "0" })).toBe(3);
  });

  test.each([
    [{ VAPI_MAX_CONCURRENT_CALLS: "ten" }, /VAPI_MAX_CONCURRENT_CALLS must be a whole number/],
    [{ VAPI_MAX_CONCURRENT_CALLS: "2.5" }, /VAPI_MAX_CONCURRENT_CALLS must be a whole number/],
    [{ VAPI_INBOUND_RESERVE: "-1" }, /VAPI_INBOUND_RESERVE must be a whole number/],
    [{ VAPI_MAX_CONCURRENT_CALLS: "2" }, /VAPI_INBOUND_RESERVE must be below VAPI_MAX_CONCURRENT_CALLS/],
  ])("%j is refused, naming the variable", (env, message) => {
    expect(() => outboundLines(env)).toThrow(message);
  });

  test("the refusal never echoes the value", () => {
    expect(() => outboundLines({ VAPI_MAX_CONCURRENT_CALLS: "secret-ish" })).toThrow(expect.objectContaining({ data: expect.not.stringContaining("secret-ish") }));
  });
});

describe("isConcurrencyRefusal", () => {
  test.each([
    [{ statusCode: 429, message: "Too Many Requests" }, true],
    [{ endedReason: CONCURRENCY_ENDED_REASON }, true],
    [{ statusCode: 400, message: `Couldn't create call: ${CONCURRENCY_ENDED_REASON}` }, true],
    [{ statusCode: 400, message: "customer.number must be a valid phone number" }, false],
    [{ statusCode: 500, message: "Internal server error" }, false],
    [{ endedReason: "customer-did-not-answer" }, false],
    [{ endedReason: "call.start.error-get-transport" }, false],
    [{}, false],
  ])("%j -> %s", (failure, expected) => {
    expect(isConcurrencyRefusal(failure)).toBe(expected);
  });
});

test("a subject waits and holds its line under its own id", () => {
  expect(holderOf({ kind: "call", callId: "c1" as Id<"calls"> })).toBe("c1");
  expect(holderOf({ kind: "campaignMember", memberId: "m1" as Id<"campaignMembers"> })).toBe("m1");
});
