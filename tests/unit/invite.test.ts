import { describe, expect, test } from "vitest";
import {
  addressOf,
  buildIcs,
  foldLines,
  inviteDeliveryKey,
  inviteEmail,
  sequenceOfKey,
  type InviteMeeting,
  type InviteParties,
} from "../../convex/model/invites/invite";
import { addresses, parseIcs, property, unfold } from "../helpers/ics";

const MINUTE = 60_000;

// Tue 10 Mar 2026 14:30 UTC = 10:30 EDT = 07:30 PDT (both zones already on summer time).
const meeting: InviteMeeting = {
  id: "m123",
  meetingTime: Date.UTC(2026, 2, 10, 14, 30),
  durationMinutes: 30,
  sequence: 0,
  status: "booked",
  revisedAt: Date.UTC(2026, 2, 9, 14, 0),
};

const parties: InviteParties = {
  agencyName: "Brightline Growth",
  agencyZone: "America/New_York",
  organizerEmail: "atlas@brightline.test",
  agencyEmail: "team@brightline.test",
  prospectName: "Dana Whitfield",
  prospectEmail: "dana@example.com",
  prospectZone: "America/Los_Angeles",
};

describe("buildIcs", () => {
  test("an invite: METHOD:REQUEST, stable UID, SEQUENCE, UTC times, organizer and attendee", () => {
    const ics = buildIcs(meeting, parties);
    expect(property(ics, "METHOD")).toBe("METHOD:REQUEST");
    expect(property(ics, "UID")).toBe("UID:m123@atlas");
    expect(property(ics, "SEQUENCE")).toBe("SEQUENCE:0");
    expect(property(ics, "DTSTART")).toBe("DTSTART:20260310T143000Z");
    expect(property(ics, "DTEND")).toBe("DTEND:20260310T150000Z");
    expect(property(ics, "DTSTAMP")).toBe("DTSTAMP:20260309T140000Z");
    expect(property(ics, "STATUS")).toBe("STATUS:CONFIRMED");
    expect(property(ics, "ORGANIZER")).toMatch(/^ORGANIZER;CN="?Brightline Growth"?:mailto:atlas@brightline\.test$/i);
    expect(property(ics, "ATTENDEE")).toMatch(/^ATTENDEE;RSVP=TRUE;.*CN="?Dana Whitfield"?:mailto:dana@example\.com$/i);
  });

  test("a reschedule keeps the UID and raises SEQUENCE", () => {
    const moved = { ...meeting, meetingTime: meeting.meetingTime + DAYS(1), sequence: 1 };
    const first = buildIcs(meeting, parties);
    const second = buildIcs(moved, parties);
    expect(property(second, "UID")).toBe(property(first, "UID"));
    expect(property(second, "SEQUENCE")).toBe("SEQUENCE:1");
    expect(property(second, "METHOD")).toBe("METHOD:REQUEST");
    expect(property(second, "DTSTART")).toBe("DTSTART:20260311T143000Z");
  });

  test("a cancellation: METHOD:CANCEL and STATUS:CANCELLED for the same UID", () => {
    const ics = buildIcs({ ...meeting, status: "cancelled", sequence: 2 }, parties);
    expect(property(ics, "METHOD")).toBe("METHOD:CANCEL");
    expect(property(ics, "STATUS")).toBe("STATUS:CANCELLED");
    expect(property(ics, "UID")).toBe("UID:m123@atlas");
    expect(property(ics, "SEQUENCE")).toBe("SEQUENCE:2");
  });

  test("a DTSTAMP from a fractional _creationTime is whole seconds", () => {
    expect(property(buildIcs({ ...meeting, revisedAt: meeting.revisedAt + 0.25 }, parties), "DTSTAMP")).toBe("DTSTAMP:20260309T140000Z");
  });

  test("no meeting outside booked/cancelled gets an invite", () => {
    expect(() => buildIcs({ ...meeting, status: "completed" }, parties)).toThrow(/completed/);
  });

  // Every copy is an iTIP message: REQUEST and CANCEL need an ATTENDEE (RFC 5546 §3.2.2, §3.2.5), and
  // Gmail, Outlook and Apple Mail offer an invite only to an attendee who is not its organizer.
  const copies: [string, Partial<InviteParties>, string[]][] = [
    ["both have an email", {}, ["dana@example.com", "team@brightline.test"]],
    ["the prospect has no email", { prospectEmail: undefined }, ["team@brightline.test"]],
    ["the agency has no email", { agencyEmail: undefined }, ["dana@example.com"]],
  ];
  describe.each(["booked", "cancelled"] as const)("a %s meeting", (status) => {
    test.each(copies)("%s: every recipient is an ATTENDEE and none is the ORGANIZER", (_, override, recipients) => {
      const ics = buildIcs({ ...meeting, status }, { ...parties, ...override });
      const lines = parseIcs(ics);
      expect(lines.find((l) => l.name === "METHOD")?.value).toBe(status === "booked" ? "REQUEST" : "CANCEL");
      expect(addresses(ics, "ATTENDEE")).toEqual(recipients);
      expect(addresses(ics, "ORGANIZER")).toEqual(["atlas@brightline.test"]);
      for (const line of lines.filter((l) => l.name === "ATTENDEE")) {
        expect(line.params).toMatchObject({ RSVP: "TRUE", PARTSTAT: "NEEDS-ACTION" });
      }
    });
  });

  test("the agency is the host (ROLE=CHAIR), the prospect a required participant", () => {
    const attendees = parseIcs(buildIcs(meeting, parties)).filter((l) => l.name === "ATTENDEE");
    expect(attendees.map((a) => [a.params.CN, a.params.ROLE])).toEqual([
      ["Dana Whitfield", "REQ-PARTICIPANT"],
      ["Brightline Growth", "CHAIR"],
    ]);
  });

  test("an invite nobody can receive is refused rather than built without an attendee", () => {
    expect(() => buildIcs(meeting, { ...parties, prospectEmail: undefined, agencyEmail: undefined })).toThrow(/attendee/);
  });

  test("the same meeting gives byte-identical output (a retry resends the same payload)", () => {
    expect(buildIcs(meeting, parties)).toBe(buildIcs({ ...meeting }, { ...parties }));
  });

  test("CRLF line ends and lines folded at 75 octets, multi-byte names included", () => {
    const long = { ...parties, agencyName: "Société Générale d'Études Économiques — Île-de-France Conseil", prospectName: "Zoë Müller-Łukasiewicz 山田太郎" };
    const ics = buildIcs(meeting, long);
    expect(ics.endsWith("\r\n")).toBe(true);
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const physical = ics.split("\r\n").slice(0, -1);
    for (const line of physical) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    expect(physical.some((l) => l.startsWith(" "))).toBe(true);
    expect(property(ics, "SUMMARY")).toBe(`SUMMARY:Meeting: ${long.agencyName} and ${long.prospectName}`);
  });

  test("folding never splits a character and unfolds to the original line", () => {
    const line = `DESCRIPTION:${"é".repeat(100)}`;
    const folded = foldLines(`${line}\r\n`);
    expect(folded.split("\r\n").every((l) => !l.includes("\uFFFD"))).toBe(true);
    expect(unfold(folded)).toEqual([line]);
  });
});

function DAYS(n: number) {
  return n * 24 * 60 * MINUTE;
}

describe("inviteEmail", () => {
  test("the prospect reads the time in their zone, the agency in its own", () => {
    const prospect = inviteEmail(meeting, parties, "prospect");
    const agency = inviteEmail(meeting, parties, "agency");
    expect(prospect.text).toContain("Tuesday, March 10, 2026 at 7:30 AM PDT (America/Los_Angeles)");
    expect(prospect.text).toContain("30-minute meeting with Brightline Growth");
    expect(prospect.text).toContain("Hi Dana Whitfield");
    expect(prospect.subject).toBe("Confirmed: Brightline Growth and Dana Whitfield, Tue, Mar 10, 7:30 AM PDT");
    expect(agency.text).toContain("Tuesday, March 10, 2026 at 10:30 AM EDT (America/New_York)");
    expect(agency.text).toContain("30-minute meeting with Dana Whitfield");
  });

  test("each date uses its own offset: the week before the DST change says EST", () => {
    const winter = { ...meeting, meetingTime: Date.UTC(2026, 2, 3, 15, 30) };
    expect(inviteEmail(winter, parties, "agency").text).toContain("Tuesday, March 3, 2026 at 10:30 AM EST");
    expect(inviteEmail(winter, parties, "prospect").text).toContain("7:30 AM PST");
  });

  test("a prospect without a zone reads the agency's", () => {
    const email = inviteEmail(meeting, { ...parties, prospectZone: undefined }, "prospect");
    expect(email.text).toContain("10:30 AM EDT (America/New_York)");
  });

  test("updates and cancellations say so", () => {
    expect(inviteEmail({ ...meeting, sequence: 1 }, parties, "prospect").subject).toMatch(/^Updated: /);
    expect(inviteEmail({ ...meeting, sequence: 1 }, parties, "prospect").text).toContain("has moved to");
    const cancelled = inviteEmail({ ...meeting, sequence: 2, status: "cancelled" }, parties, "agency");
    expect(cancelled.subject).toMatch(/^Cancelled: /);
    expect(cancelled.text).toContain("has been cancelled");
  });
});

describe("delivery keys and policy", () => {
  test("one key per (meeting, sequence, recipient)", () => {
    const key = inviteDeliveryKey("m123", 3, "agency");
    expect(key).toBe("invite:m123:3:agency");
    expect(sequenceOfKey(key)).toBe(3);
  });

  test("the address inside a display-name sender", () => {
    expect(addressOf("Atlas <atlas@brightline.test>")).toBe("atlas@brightline.test");
    expect(addressOf("atlas@brightline.test")).toBe("atlas@brightline.test");
  });
});
