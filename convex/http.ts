import { httpRouter } from "convex/server";
import { webhook } from "./vapi";
import { postLead } from "./leads";

const http = httpRouter();

/** The Vapi server URL: https://<deployment>.convex.site/vapi/webhook */
http.route({ path: "/vapi/webhook", method: "POST", handler: webhook });

/** Leads from CRMs and ad forms: https://<deployment>.convex.site/api/leads (README: Leads from a CRM). */
http.route({ path: "/api/leads", method: "POST", handler: postLead });

export default http;
