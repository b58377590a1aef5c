import type { InstanceRecord } from '../dicom/instance-record';
import type { Urgency } from '../reports/findings';

/** What an order says about a study: its body part and how urgent the clinician made it. */
export interface OrderContext {
  readonly bodyPart: string | undefined;
  readonly minimumUrgency: Urgency | undefined;
}

/** What finds a study's order: its accession number, else the study it was linked to. */
export type OrderedStudy = Pick<InstanceRecord, 'studyInstanceUid' | 'accessionNumber'>;

/**
 * What study assembly and analysis learn from the orders (HL7 ORM/OMI today; a FHIR
 * ServiceRequest source could stand in). Injected by the ORDER_CONTEXT token.
 */
export interface OrderContextSource {
  /** The order's body part (for images that carry none) and its priority. */
  contextOf(study: OrderedStudy): Promise<OrderContext | undefined>;
  /** How many images the study should have, when an order says so: then nobody need wait idle. */
  expectedImageCount(study: OrderedStudy): Promise<number | undefined>;
}

export const ORDER_CONTEXT = Symbol('ORDER_CONTEXT');

/** Without an order listener nothing is ordered: studies go by their images alone. */
export const NO_ORDERS: OrderContextSource = {
  contextOf: async () => undefined,
  expectedImageCount: async () => undefined,
};
