import { describe, expect, test } from "vitest";
import { writtenElsewhere } from "../../../convex/model/calendar/events";

const A = "team@brightline.example";
const B = "owner@brightline-new.example";

describe("writtenElsewhere: is the meeting's Google event in another account's calendar than the connected one?", () => {
  test("written under the connected account: no", () => {
    expect(writtenElsewhere({ googleEventId: "atlasabc", googleAccountId: A }, { accountId: A })).toBe(false);
  });
  test("written under another account: yes", () => {
    expect(writtenElsewhere({ googleEventId: "atlasabc", googleAccountId: A }, { accountId: B })).toBe(true);
  });
  test("never written: no (there is nothing elsewhere; the usual insert applies)", () => {
    expect(writtenElsewhere({ googleEventId: undefined, googleAccountId: undefined }, { accountId: B })).toBe(false);
  });
  test("written before accounts were recorded, to a connection of that time: checked as before", () => {
    expect(writtenElsewhere({ googleEventId: "atlasabc", googleAccountId: undefined }, { accountId: undefined })).toBe(false);
  });
  test("written before accounts were recorded, read after a reconnect that knows its account: written again, not cancelled", () => {
    expect(writtenElsewhere({ googleEventId: "atlasabc", googleAccountId: undefined }, { accountId: A })).toBe(true);
  });
});
