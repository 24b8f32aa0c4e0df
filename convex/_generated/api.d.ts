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
import type * as availability from "../availability.js";
import type * as followUp from "../followUp.js";
import type * as meetings from "../meetings.js";
import type * as model_agency from "../model/agency.js";
import type * as model_availability from "../model/availability.js";
import type * as model_callingHours from "../model/callingHours.js";
import type * as model_delivery from "../model/delivery.js";
import type * as model_invite from "../model/invite.js";
import type * as model_log from "../model/log.js";
import type * as model_phone from "../model/phone.js";
import type * as model_tasks from "../model/tasks.js";
import type * as opportunities from "../opportunities.js";

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
  availability: typeof availability;
  followUp: typeof followUp;
  meetings: typeof meetings;
  "model/agency": typeof model_agency;
  "model/availability": typeof model_availability;
  "model/callingHours": typeof model_callingHours;
  "model/delivery": typeof model_delivery;
  "model/invite": typeof model_invite;
  "model/log": typeof model_log;
  "model/phone": typeof model_phone;
  "model/tasks": typeof model_tasks;
  opportunities: typeof opportunities;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;
