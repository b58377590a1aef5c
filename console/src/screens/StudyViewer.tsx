/**
 * The study in the OHIF diagnostic viewer Osteon serves at /viewer/ (same origin: it reads the
 * console's session from this tab's sessionStorage and sends it to /dicomweb; the token never
 * appears in a URL). Full resolution, window/level, zoom, pan, invert, length; the AI's marks are
 * the measurements of the "Osteon AI report" series.
 */
export function StudyViewer({ studyInstanceUid }: { studyInstanceUid: string }) {
  return (
    <section class="study-viewer" aria-label="Diagnostic viewer">
      <iframe
        title="Diagnostic viewer"
        src={`/viewer/viewer?StudyInstanceUIDs=${encodeURIComponent(studyInstanceUid)}`}
        allow="fullscreen"
        data-testid="study-viewer"
      />
      <p class="muted">
        Drag to change window/level; the toolbar has zoom, pan, invert and length. Double-click the “Osteon AI report” series to draw the
        AI&apos;s marks and list them as measurements.
      </p>
    </section>
  );
}
