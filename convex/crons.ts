import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

/** Calls whose end never reached the webhook are fetched from Vapi (reconcile.ts). */
crons.interval("reconcile calls", { minutes: 5 }, internal.reconcile.run, {});

export default crons;
