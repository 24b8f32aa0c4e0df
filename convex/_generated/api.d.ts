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
import type * as crons from "../crons.js";
import type * as model_agency from "../model/agency.js";
import type * as model_availability from "../model/availability.js";
import type * as model_callingHours from "../model/callingHours.js";
import type * as model_log from "../model/log.js";
import type * as model_notificationChannels from "../model/notificationChannels.js";
import type * as model_notifications from "../model/notifications.js";
import type * as model_phone from "../model/phone.js";
import type * as notifications from "../notifications.js";
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
  crons: typeof crons;
  "model/agency": typeof model_agency;
  "model/availability": typeof model_availability;
  "model/callingHours": typeof model_callingHours;
  "model/log": typeof model_log;
  "model/notificationChannels": typeof model_notificationChannels;
  "model/notifications": typeof model_notifications;
  "model/phone": typeof model_phone;
  notifications: typeof notifications;
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
