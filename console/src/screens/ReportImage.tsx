import { useEffect, useState } from 'preact/hooks';
import { imageUrl, type Session } from '../api';
import { colouriseHeatmap } from '../logic/heatmap-colours';
import { countLabel, formatPercent } from '../logic/format';
import type { ReportDetail } from '../logic/types';

type Image = ReportDetail['images'][number];

/** Re-draws the grey heat map as a coloured, transparent overlay; returns a new blob: URL. */
async function colouredOverlay(greyUrl: string): Promise<string> {
  const picture = new Image();
  picture.src = greyUrl;
  await picture.decode();
  const canvas = document.createElement('canvas');
  canvas.width = picture.naturalWidth;
  canvas.height = picture.naturalHeight;
  const context = canvas.getContext('2d');
  if (!context) return greyUrl;
  context.drawImage(picture, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  colouriseHeatmap(pixels.data);
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  return blob ? URL.createObjectURL(blob) : greyUrl;
}

/** The box as percentages of the stage, which the picture fills at its own aspect. */
function boxStyle(box: NonNullable<Image['findings']['box']>): Record<string, string> {
  const percent = (value: number): string => `${(Math.min(1, Math.max(0, value)) * 100).toFixed(2)}%`;
  return {
    left: percent(box.x0),
    top: percent(box.y0),
    width: percent(box.x1 - box.x0),
    height: percent(box.y1 - box.y0),
  };
}

/** One image rendered server-side (windowed PNG) with its heat map laid over it when asked. */
export function ReportImage({
  session,
  image,
  index,
  showHeatmap,
}: {
  session: Session;
  image: Image;
  index: number;
  showHeatmap: boolean;
}) {
  const [picture, setPicture] = useState<string>();
  const [heatmap, setHeatmap] = useState<string>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    const urls: string[] = [];
    const load = async (path: string, set: (url: string) => void): Promise<void> => {
      const url = await imageUrl(session, path);
      urls.push(url);
      if (!cancelled) set(url);
    };
    load(`/api/instances/${image.instanceId}/preview.png?maxSize=1024`, setPicture).catch((caught: Error) => setError(caught.message));
    if (image.heatmapUrl) {
      load(image.heatmapUrl, (grey) => {
        void colouredOverlay(grey).then((coloured) => {
          urls.push(coloured);
          if (!cancelled) setHeatmap(coloured);
        });
      }).catch(() => setHeatmap(undefined));
    }
    return () => {
      cancelled = true;
      urls.forEach((url) => URL.revokeObjectURL(url));
    };
  }, [image.instanceId, image.heatmapUrl]);

  const { findings } = image;
  return (
    <figure class="radiograph" data-testid="report-image">
      <div class="stage">
        {picture ? (
          <img src={picture} alt={`Image ${index + 1}: ${findings.bodyPart} radiograph`} data-loaded="true" />
        ) : (
          <div class="placeholder">{error ?? 'Loading image…'}</div>
        )}
        {picture && heatmap && showHeatmap && (
          <img class="heatmap" src={heatmap} alt={`Heat map of image ${index + 1}: where the model looked`} data-testid="heatmap" />
        )}
        {picture && showHeatmap && findings.fracture && findings.box && (
          <div
            class="ai-box"
            style={boxStyle(findings.box)}
            role="img"
            aria-label={`Image ${index + 1}: the box where the model suspects a fracture`}
            data-testid="ai-box"
          />
        )}
      </div>
      <figcaption>
        Image {index + 1}: {findings.fracture ? 'fracture suspected' : 'no fracture'} ({formatPercent(findings.fractureProbability)}), count{' '}
        {countLabel(findings.countClass)}, {findings.bodyPart}
        <span class="muted"> (body part from {findings.bodyPartSource === 'dicom' ? 'the DICOM header' : 'the model'})</span>
        {showHeatmap && heatmap && (
          <span class="legend">
            Heat map: <span class="swatch cool" aria-hidden="true" /> low <span class="swatch hot" aria-hidden="true" /> high attention of
            the model
            {findings.fracture && findings.box && (
              <>
                {' '}
                <span class="swatch box" aria-hidden="true" /> the model's fracture box
              </>
            )}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
