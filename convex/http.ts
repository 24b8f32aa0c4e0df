import { httpRouter } from "convex/server";
import { webhook } from "./vapi";
import { oauthCallback } from "./calendar";
import { postLead } from "./leads";

const http = httpRouter();

/** The Vapi server URL: https://<deployment>.convex.site/vapi/webhook */
http.route({ path: "/vapi/webhook", method: "POST", handler: webhook });

/** Google's OAuth redirect (GOOGLE_REDIRECT_URI): https://<deployment>.convex.site/oauth/google/callback */
http.route({ path: "/oauth/google/callback", method: "GET", handler: oauthCallback });
/** Leads from CRMs and ad forms: https://<deployment>.convex.site/api/leads (README: Leads from a CRM). */
http.route({ path: "/api/leads", method: "POST", handler: postLead });

export default http;
