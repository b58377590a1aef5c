import type { BodyPart } from '../reports/findings';

export type OrderPriority = 'S' | 'A' | 'R' | 'P' | 'C' | 'T';

/** An imaging order from the RIS (ORM^O01 / OMI^O23), kept in the `orders` collection. */
export interface Order {
  readonly id: string;
  /** The key a modality copies into the DICOM AccessionNumber: how images find their order. */
  readonly accessionNumber: string;
  readonly placerOrderNumber: string | undefined;
  readonly fillerOrderNumber: string | undefined;
  /** From the order (IPC-3 / ZDS-1) or learnt when the first image with the accession arrives. */
  readonly studyInstanceUid: string | undefined;
  readonly patientId: string | undefined;
  readonly procedure: { readonly code: string; readonly text: string } | undefined;
  readonly bodyPart: BodyPart | undefined;
  readonly priority: OrderPriority | undefined;
  /** Images the study should have; the study is read as soon as this many have arrived. */
  readonly expectedImageCount: number | undefined;
  readonly status: 'scheduled' | 'cancelled';
  /** MSH-10 of the message that last changed the order. */
  readonly sourceControlId: string;
  readonly receivedAt: Date;
  readonly updatedAt: Date;
}

export type OrderInput = Omit<Order, 'id' | 'receivedAt' | 'updatedAt' | 'studyInstanceUid'> & {
  readonly studyInstanceUid: string | undefined;
};
