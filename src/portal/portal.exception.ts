export enum PortalErrorCode {
  /** The report is not signed (preliminary), or was withdrawn before it was ever signed. */
  NotReleased = 'PORTAL_NOT_RELEASED',
  /** A patient link that does not exist, expired or was revoked: all look the same outside. */
  LinkNotFound = 'PORTAL_LINK_NOT_FOUND',
  /** An original image or heat map the PDF needs cannot be read. */
  ImageUnreadable = 'PORTAL_IMAGE_UNREADABLE',
}

export class PortalException extends Error {
  constructor(
    readonly code: PortalErrorCode,
    message: string,
  ) {
    super(message);
  }
}
