const relative = typeof Intl !== 'undefined' ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;

/** "3 min ago", "yesterday", "in 2 days". */
export function timeAgo(iso: string | Date, now: number = Date.now()): string {
  const then = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    abs < 3600 ? [Math.round(seconds / 60), 'minute']
      : abs < 86_400 ? [Math.round(seconds / 3600), 'hour']
        : abs < 2_592_000 ? [Math.round(seconds / 86_400), 'day']
          : abs < 31_536_000 ? [Math.round(seconds / 2_592_000), 'month']
            : [Math.round(seconds / 31_536_000), 'year'];
  return relative ? relative.format(value, unit) : `${value} ${unit}s`;
}

/** "Nov 26" (this year) or "Nov 26, 2025"; dates without time are read as calendar dates. */
export function shortDate(value: string | null | undefined): string {
  if (!value) return '';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) });
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]![0]}${parts[parts.length - 1]![0]}` : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

/** A stable hue for avatars and labels, from any string. */
export function hueOf(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return Math.abs(hash) % 360;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
