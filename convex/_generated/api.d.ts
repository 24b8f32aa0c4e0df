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
import type * as apiKeys from "../apiKeys.js";
import type * as availability from "../availability.js";
import type * as calendar from "../calendar.js";
import type * as callbacks from "../callbacks.js";
import type * as calls from "../calls.js";
import type * as crons from "../crons.js";
import type * as followUp from "../followUp.js";
import type * as functions from "../functions.js";
import type * as http from "../http.js";
import type * as inbound from "../inbound.js";
import type * as leads from "../leads.js";
import type * as meetings from "../meetings.js";
import type * as migrations from "../migrations.js";
import type * as model_agency from "../model/agency.js";
import type * as model_agencySettings from "../model/agencySettings.js";
import type * as model_analysis_apply from "../model/analysis/apply.js";
import type * as model_analysis_decide from "../model/analysis/decide.js";
import type * as model_analysis_evidence from "../model/analysis/evidence.js";
import type * as model_analysis_messages from "../model/analysis/messages.js";
import type * as model_analysis_record from "../model/analysis/record.js";
import type * as model_analysis_reply from "../model/analysis/reply.js";
import type * as model_apiKeys from "../model/apiKeys.js";
import type * as model_booking_bookSlot from "../model/booking/bookSlot.js";
import type * as model_booking_finalizeCallBooking from "../model/booking/finalizeCallBooking.js";
import type * as model_booking_schedulerLinkTasks from "../model/booking/schedulerLinkTasks.js";
import type * as model_calendar_access from "../model/calendar/access.js";
import type * as model_calendar_busy from "../model/calendar/busy.js";
import type * as model_calendar_connection from "../model/calendar/connection.js";
import type * as model_calendar_consent from "../model/calendar/consent.js";
import type * as model_calendar_events from "../model/calendar/events.js";
import type * as model_calendar_tables from "../model/calendar/tables.js";
import type * as model_callbacks_connect from "../model/callbacks/connect.js";
import type * as model_callbacks_dial from "../model/callbacks/dial.js";
import type * as model_callbacks_fallback from "../model/callbacks/fallback.js";
import type * as model_callbacks_flow from "../model/callbacks/flow.js";
import type * as model_callbacks_funnel from "../model/callbacks/funnel.js";
import type * as model_callbacks_intake from "../model/callbacks/intake.js";
import type * as model_callbacks_outcomes from "../model/callbacks/outcomes.js";
import type * as model_callbacks_settings from "../model/callbacks/settings.js";
import type * as model_callbacks_tables from "../model/callbacks/tables.js";
import type * as model_callbacks_timing from "../model/callbacks/timing.js";
import type * as model_callbacks_webhook from "../model/callbacks/webhook.js";
import type * as model_calls_attempts from "../model/calls/attempts.js";
import type * as model_calls_callRetry from "../model/calls/callRetry.js";
import type * as model_calls_funnel from "../model/calls/funnel.js";
import type * as model_calls_funnelCounters from "../model/calls/funnelCounters.js";
import type * as model_calls_inbound from "../model/calls/inbound.js";
import type * as model_calls_inboundCaller from "../model/calls/inboundCaller.js";
import type * as model_calls_lookup from "../model/calls/lookup.js";
import type * as model_calls_offer from "../model/calls/offer.js";
import type * as model_calls_outcomes from "../model/calls/outcomes.js";
import type * as model_calls_prompt from "../model/calls/prompt.js";
import type * as model_calls_summary from "../model/calls/summary.js";
import type * as model_calls_toolRuns from "../model/calls/toolRuns.js";
import type * as model_calls_tools from "../model/calls/tools.js";
import type * as model_channels_email from "../model/channels/email.js";
import type * as model_channels_index from "../model/channels/index.js";
import type * as model_channels_shared from "../model/channels/shared.js";
import type * as model_channels_slack from "../model/channels/slack.js";
import type * as model_channels_sms from "../model/channels/sms.js";
import type * as model_importRows from "../model/importRows.js";
import type * as model_invites_invite from "../model/invites/invite.js";
import type * as model_leads from "../model/leads.js";
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
import type * as model_prospects from "../model/prospects.js";
import type * as model_providers_calcom from "../model/providers/calcom.js";
import type * as model_providers_googleCalendar from "../model/providers/googleCalendar.js";
import type * as model_providers_groq from "../model/providers/groq.js";
import type * as model_providers_schedulerLink from "../model/providers/schedulerLink.js";
import type * as model_providers_structuredOutput from "../model/providers/structuredOutput.js";
import type * as model_providers_vapiControl from "../model/providers/vapiControl.js";
import type * as model_providers_vapiErrors from "../model/providers/vapiErrors.js";
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
import type * as model_texts_bookingText from "../model/texts/bookingText.js";
import type * as model_texts_compose from "../model/texts/compose.js";
import type * as model_texts_ledger from "../model/texts/ledger.js";
import type * as model_texts_missedCall from "../model/texts/missedCall.js";
import type * as model_texts_tables from "../model/texts/tables.js";
import type * as model_texts_textBack from "../model/texts/textBack.js";
import type * as model_usage from "../model/usage.js";
import type * as notifications from "../notifications.js";
import type * as opportunities from "../opportunities.js";
import type * as outbox from "../outbox.js";
import type * as reconcile from "../reconcile.js";
import type * as schedulerLinks from "../schedulerLinks.js";
import type * as staffCalls from "../staffCalls.js";
import type * as tasks from "../tasks.js";
import type * as texts from "../texts.js";
import type * as tools from "../tools.js";
import type * as usage from "../usage.js";
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
  apiKeys: typeof apiKeys;
  availability: typeof availability;
  calendar: typeof calendar;
  callbacks: typeof callbacks;
  calls: typeof calls;
  crons: typeof crons;
  followUp: typeof followUp;
  functions: typeof functions;
  http: typeof http;
  inbound: typeof inbound;
  leads: typeof leads;
  meetings: typeof meetings;
  migrations: typeof migrations;
  "model/agency": typeof model_agency;
  "model/agencySettings": typeof model_agencySettings;
  "model/analysis/apply": typeof model_analysis_apply;
  "model/analysis/decide": typeof model_analysis_decide;
  "model/analysis/evidence": typeof model_analysis_evidence;
  "model/analysis/messages": typeof model_analysis_messages;
  "model/analysis/record": typeof model_analysis_record;
  "model/analysis/reply": typeof model_analysis_reply;
  "model/apiKeys": typeof model_apiKeys;
  "model/booking/bookSlot": typeof model_booking_bookSlot;
  "model/booking/finalizeCallBooking": typeof model_booking_finalizeCallBooking;
  "model/booking/schedulerLinkTasks": typeof model_booking_schedulerLinkTasks;
  "model/calendar/access": typeof model_calendar_access;
  "model/calendar/busy": typeof model_calendar_busy;
  "model/calendar/connection": typeof model_calendar_connection;
  "model/calendar/consent": typeof model_calendar_consent;
  "model/calendar/events": typeof model_calendar_events;
  "model/calendar/tables": typeof model_calendar_tables;
  "model/callbacks/connect": typeof model_callbacks_connect;
  "model/callbacks/dial": typeof model_callbacks_dial;
  "model/callbacks/fallback": typeof model_callbacks_fallback;
  "model/callbacks/flow": typeof model_callbacks_flow;
  "model/callbacks/funnel": typeof model_callbacks_funnel;
  "model/callbacks/intake": typeof model_callbacks_intake;
  "model/callbacks/outcomes": typeof model_callbacks_outcomes;
  "model/callbacks/settings": typeof model_callbacks_settings;
  "model/callbacks/tables": typeof model_callbacks_tables;
  "model/callbacks/timing": typeof model_callbacks_timing;
  "model/callbacks/webhook": typeof model_callbacks_webhook;
  "model/calls/attempts": typeof model_calls_attempts;
  "model/calls/callRetry": typeof model_calls_callRetry;
  "model/calls/funnel": typeof model_calls_funnel;
  "model/calls/funnelCounters": typeof model_calls_funnelCounters;
  "model/calls/inbound": typeof model_calls_inbound;
  "model/calls/inboundCaller": typeof model_calls_inboundCaller;
  "model/calls/lookup": typeof model_calls_lookup;
  "model/calls/offer": typeof model_calls_offer;
  "model/calls/outcomes": typeof model_calls_outcomes;
  "model/calls/prompt": typeof model_calls_prompt;
  "model/calls/summary": typeof model_calls_summary;
  "model/calls/toolRuns": typeof model_calls_toolRuns;
  "model/calls/tools": typeof model_calls_tools;
  "model/channels/email": typeof model_channels_email;
  "model/channels/index": typeof model_channels_index;
  "model/channels/shared": typeof model_channels_shared;
  "model/channels/slack": typeof model_channels_slack;
  "model/channels/sms": typeof model_channels_sms;
  "model/importRows": typeof model_importRows;
  "model/invites/invite": typeof model_invites_invite;
  "model/leads": typeof model_leads;
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
  "model/prospects": typeof model_prospects;
  "model/providers/calcom": typeof model_providers_calcom;
  "model/providers/googleCalendar": typeof model_providers_googleCalendar;
  "model/providers/groq": typeof model_providers_groq;
  "model/providers/schedulerLink": typeof model_providers_schedulerLink;
  "model/providers/structuredOutput": typeof model_providers_structuredOutput;
  "model/providers/vapiControl": typeof model_providers_vapiControl;
  "model/providers/vapiErrors": typeof model_providers_vapiErrors;
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
  "model/texts/bookingText": typeof model_texts_bookingText;
  "model/texts/compose": typeof model_texts_compose;
  "model/texts/ledger": typeof model_texts_ledger;
  "model/texts/missedCall": typeof model_texts_missedCall;
  "model/texts/tables": typeof model_texts_tables;
  "model/texts/textBack": typeof model_texts_textBack;
  "model/usage": typeof model_usage;
  notifications: typeof notifications;
  opportunities: typeof opportunities;
  outbox: typeof outbox;
  reconcile: typeof reconcile;
  schedulerLinks: typeof schedulerLinks;
  staffCalls: typeof staffCalls;
  tasks: typeof tasks;
  texts: typeof texts;
  tools: typeof tools;
  usage: typeof usage;
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
