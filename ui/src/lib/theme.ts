import type { Theme } from "../bindings";

/** Applies a theme to the page: `system` leaves the choice to the OS (CSS `prefers-color-scheme`). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = theme;
  }
}

/** The themes offered to the user, in the order shown. */
export const THEMES: ReadonlyArray<{ value: Theme; label: string }> = [
  { value: "system", label: "Same as system" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];
