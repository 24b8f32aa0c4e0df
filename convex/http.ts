import { httpRouter } from "convex/server";
import { webhook } from "./vapi";
import { oauthCallback } from "./calendar";

const http = httpRouter();

/** The Vapi server URL: https://<deployment>.convex.site/vapi/webhook */
http.route({ path: "/vapi/webhook", method: "POST", handler: webhook });

/** Google's OAuth redirect (GOOGLE_REDIRECT_URI): https://<deployment>.convex.site/oauth/google/callback */
http.route({ path: "/oauth/google/callback", method: "GET", handler: oauthCallback });

export default http;
