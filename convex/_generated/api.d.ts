/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as agencies from "../agencies.js";
import type * as ai from "../ai.js";
import type * as availability from "../availability.js";
import type * as calls from "../calls.js";
import type * as followUp from "../followUp.js";
import type * as http from "../http.js";
import type * as inbound from "../inbound.js";
import type * as meetings from "../meetings.js";
import type * as model_agency from "../model/agency.js";
import type * as model_analysis from "../model/analysis.js";
import type * as model_availability from "../model/availability.js";
import type * as model_callingHours from "../model/callingHours.js";
import type * as model_inbound from "../model/inbound.js";
import type * as model_log from "../model/log.js";
import type * as model_outcomes from "../model/outcomes.js";
import type * as model_phone from "../model/phone.js";
import type * as model_prompt from "../model/prompt.js";
import type * as model_tasks from "../model/tasks.js";
import type * as model_tools from "../model/tools.js";
import type * as model_vapiMessages from "../model/vapiMessages.js";
import type * as model_webhookAuth from "../model/webhookAuth.js";
import type * as opportunities from "../opportunities.js";
import type * as tools from "../tools.js";
import type * as vapi from "../vapi.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  agencies: typeof agencies;
  ai: typeof ai;
  availability: typeof availability;
  calls: typeof calls;
  followUp: typeof followUp;
  http: typeof http;
  inbound: typeof inbound;
  meetings: typeof meetings;
  "model/agency": typeof model_agency;
  "model/analysis": typeof model_analysis;
  "model/availability": typeof model_availability;
  "model/callingHours": typeof model_callingHours;
  "model/inbound": typeof model_inbound;
  "model/log": typeof model_log;
  "model/outcomes": typeof model_outcomes;
  "model/phone": typeof model_phone;
  "model/prompt": typeof model_prompt;
  "model/tasks": typeof model_tasks;
  "model/tools": typeof model_tools;
  "model/vapiMessages": typeof model_vapiMessages;
  "model/webhookAuth": typeof model_webhookAuth;
  opportunities: typeof opportunities;
  tools: typeof tools;
  vapi: typeof vapi;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
