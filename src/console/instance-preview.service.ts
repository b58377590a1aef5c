import { Injectable } from '@nestjs/common';
import { ConsoleErrorCode, ConsoleException } from './console.exception';
import { InstancePreviewRepository } from './instance-preview.repository';

/** A windowed 8-bit PNG of a stored image, at most `maxSize` on its longer side. */
@Injectable()
export class InstancePreviewService {
  constructor(private readonly previews: InstancePreviewRepository) {}

  async png(instanceId: string, maxSize: number): Promise<Buffer> {
    let grey;
    try {
      grey = await this.previews.greyImage(instanceId);
    } catch (error) {
      throw new ConsoleException(
        ConsoleErrorCode.InstanceUnrenderable,
        `instance ${instanceId} cannot be rendered: ${(error as Error).message}`,
      );
    }
    if (!grey) throw new ConsoleException(ConsoleErrorCode.InstanceNotFound, `instance ${instanceId} not found`);
    return this.previews.png(grey, maxSize);
  }
}
