/** An 8-bit greyscale picture, row-major, 0 = black: what the model's preprocessing starts from. */
export interface GreyPixels {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

export function assertGreyPixels(image: GreyPixels): void {
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width <= 0 || image.height <= 0) {
    throw new RangeError(`image size ${image.width}x${image.height} is empty or not whole`);
  }
  if (image.pixels.length !== image.width * image.height) {
    throw new RangeError(`image has ${image.pixels.length} pixels, expected ${image.width * image.height}`);
  }
}
