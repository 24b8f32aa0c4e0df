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
import type * as campaigns from "../campaigns.js";
import type * as crons from "../crons.js";
import type * as dialGate from "../dialGate.js";
import type * as followUp from "../followUp.js";
import type * as functions from "../functions.js";
import type * as http from "../http.js";
import type * as inbound from "../inbound.js";
import type * as meetings from "../meetings.js";
import type * as migrations from "../migrations.js";
import type * as model_agency from "../model/agency.js";
import type * as model_analysis_apply from "../model/analysis/apply.js";
import type * as model_analysis_decide from "../model/analysis/decide.js";
import type * as model_analysis_evidence from "../model/analysis/evidence.js";
import type * as model_analysis_messages from "../model/analysis/messages.js";
import type * as model_analysis_record from "../model/analysis/record.js";
import type * as model_analysis_reply from "../model/analysis/reply.js";
import type * as model_booking_bookSlot from "../model/booking/bookSlot.js";
import type * as model_booking_finalizeCallBooking from "../model/booking/finalizeCallBooking.js";
import type * as model_booking_schedulerLinkTasks from "../model/booking/schedulerLinkTasks.js";
import type * as model_calls_attempts from "../model/calls/attempts.js";
import type * as model_calls_callRetry from "../model/calls/callRetry.js";
import type * as model_calls_dialGate from "../model/calls/dialGate.js";
import type * as model_calls_dialGrant from "../model/calls/dialGrant.js";
import type * as model_calls_funnel from "../model/calls/funnel.js";
import type * as model_calls_funnelCounters from "../model/calls/funnelCounters.js";
import type * as model_calls_inbound from "../model/calls/inbound.js";
import type * as model_calls_inboundCaller from "../model/calls/inboundCaller.js";
import type * as model_calls_lookup from "../model/calls/lookup.js";
import type * as model_calls_offer from "../model/calls/offer.js";
import type * as model_calls_outcomes from "../model/calls/outcomes.js";
import type * as model_calls_prompt from "../model/calls/prompt.js";
import type * as model_calls_refusals from "../model/calls/refusals.js";
import type * as model_calls_summary from "../model/calls/summary.js";
import type * as model_calls_toolRuns from "../model/calls/toolRuns.js";
import type * as model_calls_tools from "../model/calls/tools.js";
import type * as model_campaigns_counts from "../model/campaigns/counts.js";
import type * as model_campaigns_members from "../model/campaigns/members.js";
import type * as model_channels_email from "../model/channels/email.js";
import type * as model_channels_index from "../model/channels/index.js";
import type * as model_channels_shared from "../model/channels/shared.js";
import type * as model_channels_slack from "../model/channels/slack.js";
import type * as model_channels_sms from "../model/channels/sms.js";
import type * as model_invites_invite from "../model/invites/invite.js";
import type * as model_log from "../model/log.js";
import type * as model_notifications_configuration from "../model/notifications/configuration.js";
import type * as model_notifications_digest from "../model/notifications/digest.js";
import type * as model_notifications_events from "../model/notifications/events.js";
import type * as model_notifications_notify from "../model/notifications/notify.js";
import type * as model_notifications_tables from "../model/notifications/tables.js";
import type * as model_outbox_deliver from "../model/outbox/deliver.js";
import type * as model_outbox_ledger from "../model/outbox/ledger.js";
import type * as model_outbox_legacy from "../model/outbox/legacy.js";
import type * as model_outbox_messages from "../model/outbox/messages.js";
import type * as model_outbox_render from "../model/outbox/render.js";
import type * as model_outbox_status from "../model/outbox/status.js";
import type * as model_paging from "../model/paging.js";
import type * as model_processes_blocks from "../model/processes/blocks.js";
import type * as model_processes_callMe from "../model/processes/callMe.js";
import type * as model_processes_carryOut from "../model/processes/carryOut.js";
import type * as model_processes_emails from "../model/processes/emails.js";
import type * as model_processes_index from "../model/processes/index.js";
import type * as model_processes_linkFirst from "../model/processes/linkFirst.js";
import type * as model_processes_offerTimes from "../model/processes/offerTimes.js";
import type * as model_processes_postCall from "../model/processes/postCall.js";
import type * as model_processes_prospectLink from "../model/processes/prospectLink.js";
import type * as model_processes_prospectProposes from "../model/processes/prospectProposes.js";
import type * as model_processes_spec from "../model/processes/spec.js";
import type * as model_providers_calcom from "../model/providers/calcom.js";
import type * as model_providers_groq from "../model/providers/groq.js";
import type * as model_providers_schedulerLink from "../model/providers/schedulerLink.js";
import type * as model_providers_structuredOutput from "../model/providers/structuredOutput.js";
import type * as model_providers_vapiMessages from "../model/providers/vapiMessages.js";
import type * as model_providers_webhookAuth from "../model/providers/webhookAuth.js";
import type * as model_retryPolicy from "../model/retryPolicy.js";
import type * as model_scheduling_availability from "../model/scheduling/availability.js";
import type * as model_scheduling_callingHours from "../model/scheduling/callingHours.js";
import type * as model_scheduling_data_phoneZones from "../model/scheduling/data/phoneZones.js";
import type * as model_scheduling_phone from "../model/scheduling/phone.js";
import type * as model_scheduling_prospectZone from "../model/scheduling/prospectZone.js";
import type * as model_scheduling_schedule from "../model/scheduling/schedule.js";
import type * as model_scheduling_wallClock from "../model/scheduling/wallClock.js";
import type * as model_secrets from "../model/secrets.js";
import type * as model_tasks from "../model/tasks.js";
import type * as notifications from "../notifications.js";
import type * as opportunities from "../opportunities.js";
import type * as outbox from "../outbox.js";
import type * as reconcile from "../reconcile.js";
import type * as schedulerLinks from "../schedulerLinks.js";
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
  campaigns: typeof campaigns;
  crons: typeof crons;
  dialGate: typeof dialGate;
  followUp: typeof followUp;
  functions: typeof functions;
  http: typeof http;
  inbound: typeof inbound;
  meetings: typeof meetings;
  migrations: typeof migrations;
  "model/agency": typeof model_agency;
  "model/analysis/apply": typeof model_analysis_apply;
  "model/analysis/decide": typeof model_analysis_decide;
  "model/analysis/evidence": typeof model_analysis_evidence;
  "model/analysis/messages": typeof model_analysis_messages;
  "model/analysis/record": typeof model_analysis_record;
  "model/analysis/reply": typeof model_analysis_reply;
  "model/booking/bookSlot": typeof model_booking_bookSlot;
  "model/booking/finalizeCallBooking": typeof model_booking_finalizeCallBooking;
  "model/booking/schedulerLinkTasks": typeof model_booking_schedulerLinkTasks;
  "model/calls/attempts": typeof model_calls_attempts;
  "model/calls/callRetry": typeof model_calls_callRetry;
  "model/calls/dialGate": typeof model_calls_dialGate;
  "model/calls/dialGrant": typeof model_calls_dialGrant;
  "model/calls/funnel": typeof model_calls_funnel;
  "model/calls/funnelCounters": typeof model_calls_funnelCounters;
  "model/calls/inbound": typeof model_calls_inbound;
  "model/calls/inboundCaller": typeof model_calls_inboundCaller;
  "model/calls/lookup": typeof model_calls_lookup;
  "model/calls/offer": typeof model_calls_offer;
  "model/calls/outcomes": typeof model_calls_outcomes;
  "model/calls/prompt": typeof model_calls_prompt;
  "model/calls/refusals": typeof model_calls_refusals;
  "model/calls/summary": typeof model_calls_summary;
  "model/calls/toolRuns": typeof model_calls_toolRuns;
  "model/calls/tools": typeof model_calls_tools;
  "model/campaigns/counts": typeof model_campaigns_counts;
  "model/campaigns/members": typeof model_campaigns_members;
  "model/channels/email": typeof model_channels_email;
  "model/channels/index": typeof model_channels_index;
  "model/channels/shared": typeof model_channels_shared;
  "model/channels/slack": typeof model_channels_slack;
  "model/channels/sms": typeof model_channels_sms;
  "model/invites/invite": typeof model_invites_invite;
  "model/log": typeof model_log;
  "model/notifications/configuration": typeof model_notifications_configuration;
  "model/notifications/digest": typeof model_notifications_digest;
  "model/notifications/events": typeof model_notifications_events;
  "model/notifications/notify": typeof model_notifications_notify;
  "model/notifications/tables": typeof model_notifications_tables;
  "model/outbox/deliver": typeof model_outbox_deliver;
  "model/outbox/ledger": typeof model_outbox_ledger;
  "model/outbox/legacy": typeof model_outbox_legacy;
  "model/outbox/messages": typeof model_outbox_messages;
  "model/outbox/render": typeof model_outbox_render;
  "model/outbox/status": typeof model_outbox_status;
  "model/paging": typeof model_paging;
  "model/processes/blocks": typeof model_processes_blocks;
  "model/processes/callMe": typeof model_processes_callMe;
  "model/processes/carryOut": typeof model_processes_carryOut;
  "model/processes/emails": typeof model_processes_emails;
  "model/processes/index": typeof model_processes_index;
  "model/processes/linkFirst": typeof model_processes_linkFirst;
  "model/processes/offerTimes": typeof model_processes_offerTimes;
  "model/processes/postCall": typeof model_processes_postCall;
  "model/processes/prospectLink": typeof model_processes_prospectLink;
  "model/processes/prospectProposes": typeof model_processes_prospectProposes;
  "model/processes/spec": typeof model_processes_spec;
  "model/providers/calcom": typeof model_providers_calcom;
  "model/providers/groq": typeof model_providers_groq;
  "model/providers/schedulerLink": typeof model_providers_schedulerLink;
  "model/providers/structuredOutput": typeof model_providers_structuredOutput;
  "model/providers/vapiMessages": typeof model_providers_vapiMessages;
  "model/providers/webhookAuth": typeof model_providers_webhookAuth;
  "model/retryPolicy": typeof model_retryPolicy;
  "model/scheduling/availability": typeof model_scheduling_availability;
  "model/scheduling/callingHours": typeof model_scheduling_callingHours;
  "model/scheduling/data/phoneZones": typeof model_scheduling_data_phoneZones;
  "model/scheduling/phone": typeof model_scheduling_phone;
  "model/scheduling/prospectZone": typeof model_scheduling_prospectZone;
  "model/scheduling/schedule": typeof model_scheduling_schedule;
  "model/scheduling/wallClock": typeof model_scheduling_wallClock;
  "model/secrets": typeof model_secrets;
  "model/tasks": typeof model_tasks;
  notifications: typeof notifications;
  opportunities: typeof opportunities;
  outbox: typeof outbox;
  reconcile: typeof reconcile;
  schedulerLinks: typeof schedulerLinks;
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
