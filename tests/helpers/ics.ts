/**
 * A small iCalendar reader for tests (RFC 5545 §3.1): unfolds lines and splits each
 * into name, parameters and value, so tests check what a calendar client reads.
 */
export interface ContentLine {
  name: string;
  params: Record<string, string>;
  value: string;
}

/** Content lines with folding undone (RFC 5545 §3.1). */
export function unfold(ics: string): string[] {
  return ics.replace(/\r\n[ \t]/g, "").split("\r\n").filter(Boolean);
}

/** The first content line of property `name`, whole ("DTSTART:20260310T143000Z"). */
export function property(ics: string, name: string): string | undefined {
  return unfold(ics).find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
}

export function parseIcs(ics: string): ContentLine[] {
  return unfold(ics)
    .map((line) => {
      // The value starts at the first colon outside a quoted parameter value.
      let quoted = false;
      let colon = -1;
      for (let i = 0; i < line.length && colon < 0; i++) {
        if (line[i] === '"') quoted = !quoted;
        else if (line[i] === ":" && !quoted) colon = i;
      }
      const [name, ...params] = line.slice(0, colon).split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
      return {
        name: name.toUpperCase(),
        params: Object.fromEntries(params.map((p) => [p.slice(0, p.indexOf("=")).toUpperCase(), p.slice(p.indexOf("=") + 1).replace(/^"|"$/g, "")])),
        value: line.slice(colon + 1),
      };
    });
}

/** The mailto addresses of a property (ORGANIZER, ATTENDEE), lower-cased. */
export function addresses(ics: string, name: "ORGANIZER" | "ATTENDEE"): string[] {
  return parseIcs(ics)
    .filter((l) => l.name === name)
    .map((l) => l.value.replace(/^mailto:/i, "").toLowerCase());
}
