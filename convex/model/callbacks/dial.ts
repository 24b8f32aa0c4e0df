/** The staff call as Vapi's POST /call receives it. Pure. */
import type { Vapi } from "@vapi-ai/server-sdk";
import { boundWords, MAX_CUSTOMER_NAME_CHARS } from "../providers/vapiMessages";
import { STAFF_CALL_MAX_SECONDS, type StaffCallPlan } from "./flow";

/**
 * The saved callback assistant reads the message from variableValues; live control
 * is switched on so Atlas can transfer the call, and the call's analysis says
 * whether the staff member declined (model/callbacks/outcomes.ts reads it).
 */
export function staffCallRequest(plan: StaffCallPlan, ids: { assistantId: string; phoneNumberId: string }): Vapi.CreateCallDto {
  return {
    assistantId: ids.assistantId,
    phoneNumberId: ids.phoneNumberId,
    customer: { number: plan.staffPhone, name: boundWords(`${plan.agencyName} team`, MAX_CUSTOMER_NAME_CHARS) || undefined },
    assistantOverrides: {
      maxDurationSeconds: STAFF_CALL_MAX_SECONDS,
      monitorPlan: { controlEnabled: true },
      variableValues: {
        agencyName: plan.agencyName,
        customerName: plan.customerName,
        customerPhone: plan.customerPhone,
        message: plan.message,
        urgent: plan.urgent,
      },
      analysisPlan: {
        structuredDataPlan: {
          enabled: true,
          schema: {
            type: "object",
            properties: { declined: { type: "boolean", description: "The staff member said no to being connected to the customer." } },
          },
        },
      },
      metadata: { callbackAttemptId: plan.attemptId, staffMessageId: plan.staffMessageId, agencyId: plan.agencyId },
    },
  };
}
