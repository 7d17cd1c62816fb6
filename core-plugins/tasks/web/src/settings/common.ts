import type { ApiError, SlotContext } from '@paca/plugin-sdk/web';
import {
  Bookmark, BookOpen, Bug, Circle, CircleCheck, FileText, Flag, FlaskConical, Gem, Lightbulb, ListTree, Megaphone, Palette, Rocket,
  Shield, Sparkles, SquareCheck, Star, Target, Wrench, Zap, type LucideIcon,
} from 'lucide-vue-next';

/** The colours offered for statuses, types and options: data colours that read on light and dark surfaces. */
export const PALETTE = [
  '#94a3b8', '#64748b', '#ef4444', '#f97316', '#f59e0b', '#eab308', '#84cc16', '#22c55e',
  '#14b8a6', '#06b6d4', '#38bdf8', '#3b82f6', '#6366f1', '#8b5cf6', '#a78bfa', '#ec4899',
] as const;

/** Lucide icons offered for task types, by their kebab-case name (what the API stores). */
export const TYPE_ICONS: Record<string, LucideIcon> = {
  'square-check': SquareCheck, 'circle-check': CircleCheck, bug: Bug, 'book-open': BookOpen, zap: Zap, 'list-tree': ListTree,
  lightbulb: Lightbulb, flag: Flag, star: Star, bookmark: Bookmark, wrench: Wrench, rocket: Rocket, shield: Shield,
  'file-text': FileText, target: Target, sparkles: Sparkles, 'flask-conical': FlaskConical, megaphone: Megaphone, palette: Palette, gem: Gem,
};

export const iconOf = (name: string | null | undefined): LucideIcon => (name && TYPE_ICONS[name]) || Circle;

export const randomColor = (): string => PALETTE[Math.floor(Math.random() * PALETTE.length)]!;

/** True for a 409 `<X>_VERSION_CONFLICT`: tells the user and lets the caller reload theirs. */
export function isVersionConflict(error: unknown): boolean {
  return apiError(error)?.status === 409 && !!apiError(error)?.code.endsWith('_VERSION_CONFLICT');
}

/** The error as an `ApiError` (by shape: a test client may come from another copy of the SDK), or null. */
export function apiError(error: unknown): ApiError | null {
  const e = error as Partial<ApiError> | null;
  return e && typeof e === 'object' && typeof e.code === 'string' && typeof e.status === 'number' ? (e as ApiError) : null;
}

/** Shows a refusal: a version conflict as "changed by someone else", anything else with the API's message. */
export function reportWriteError(ctx: SlotContext, error: unknown, title: string): void {
  if (isVersionConflict(error)) {
    ctx.ui.toast({ kind: 'error', title: 'Changed by someone else', description: 'Their version is shown now; make your change again if it still applies.' });
  } else ctx.ui.error(error, title);
}

export const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
