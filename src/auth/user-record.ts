import type { Role } from '../access/role';

export interface NewUserRecord {
  readonly username: string;
  readonly role: Role;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly patientId?: string;
  /** Doctors only: how the RIS and the FHIR server name this doctor (see UsersService.findDoctor). */
  readonly externalIds?: readonly string[];
  readonly createdAt: Date;
  readonly disabled: boolean;
}

export interface UserRecord extends NewUserRecord {
  readonly id: string;
}

/** What the API returns: the record without its password hash. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly displayName: string;
  readonly patientId?: string;
  readonly externalIds?: readonly string[];
  readonly createdAt: Date;
  readonly disabled: boolean;
}

export function toUserView(record: UserRecord): UserView {
  return {
    id: record.id,
    username: record.username,
    role: record.role,
    displayName: record.displayName,
    ...(record.patientId !== undefined ? { patientId: record.patientId } : {}),
    ...(record.externalIds !== undefined ? { externalIds: record.externalIds } : {}),
    createdAt: record.createdAt,
    disabled: record.disabled,
  };
}
