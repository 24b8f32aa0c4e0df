import { httpRouter } from "convex/server";
import { webhook } from "./vapi";

const http = httpRouter();

/** The Vapi server URL: https://<deployment>.convex.site/vapi/webhook */
http.route({ path: "/vapi/webhook", method: "POST", handler: webhook });

export default http;
