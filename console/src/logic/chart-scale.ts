/** Short bucket labels: "14:00" for hours, "25 Nov" for days (UTC, as the API buckets). */
export function bucketLabel(bucket: string, kind: 'hour' | 'day'): string {
  const date = new Date(bucket);
  if (Number.isNaN(date.getTime())) return bucket;
  if (kind === 'hour') return `${String(date.getUTCHours()).padStart(2, '0')}:00`;
  return `${date.getUTCDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()]}`;
}
