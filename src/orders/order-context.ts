import type { InstanceRecord } from '../dicom/instance-record';
import type { Urgency } from '../reports/findings';

/** What an order says about a study: its body part and how urgent the clinician made it. */
export interface OrderContext {
  readonly bodyPart: string | undefined;
  readonly minimumUrgency: Urgency | undefined;
}

/**
 * What study assembly and analysis learn from the orders (HL7 ORM/OMI today; a FHIR
 * ServiceRequest source could stand in). Injected by the ORDER_CONTEXT token.
 */
export interface OrderContextSource {
  /** The order's body part (for images that carry none) and its priority. */
  contextOf(record: InstanceRecord): Promise<OrderContext | undefined>;
  /** How many images the study should have, when an order says so: then nobody need wait idle. */
  expectedImageCount(record: InstanceRecord): Promise<number | undefined>;
}

export const ORDER_CONTEXT = Symbol('ORDER_CONTEXT');

/** Without an order listener nothing is ordered: studies go by their images alone. */
export const NO_ORDERS: OrderContextSource = {
  contextOf: async () => undefined,
  expectedImageCount: async () => undefined,
};
