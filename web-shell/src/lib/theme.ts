import { ref } from 'vue';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'paca.theme';
export const theme = ref<ThemeChoice>((localStorage.getItem(KEY) as ThemeChoice | null) ?? 'system');
const media = window.matchMedia('(prefers-color-scheme: dark)');

/** Light and dark from the same tokens; follows the OS unless the user picked one (UI.md). */
export function applyTheme(): void {
  const dark = theme.value === 'dark' || (theme.value === 'system' && media.matches);
  document.documentElement.classList.toggle('dark', dark);
}

export function setTheme(choice: ThemeChoice): void {
  theme.value = choice;
  localStorage.setItem(KEY, choice);
  applyTheme();
}

media.addEventListener('change', applyTheme);
