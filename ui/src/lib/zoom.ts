// Ctrl+Plus, Ctrl+Minus and Ctrl+0 (Cmd on macOS) zoom the whole window. The page's sizes are in
// rem, so changing the root font size scales text, spacing and controls together, in every
// webview the app runs in (WebKitGTK does not zoom on these keys by itself).

/** The zoom levels offered, from 80% to 200%. */
export const ZOOM_LEVELS = [0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2] as const;

/** The level after `event` from `current`, or null when the key is not a zoom key. */
export function nextZoom(
  event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">,
  current: number,
): number | null {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  const at = ZOOM_LEVELS.findIndex((level) => level >= current - 0.001);
  const index = at === -1 ? ZOOM_LEVELS.length - 1 : at;
  switch (event.key) {
    case "+":
    case "=":
      return ZOOM_LEVELS[Math.min(index + 1, ZOOM_LEVELS.length - 1)];
    case "-":
    case "_":
      return ZOOM_LEVELS[Math.max(index - 1, 0)];
    case "0":
      return 1;
    default:
      return null;
  }
}

/** Applies a zoom level to the document. */
export function applyZoom(level: number, root: HTMLElement = document.documentElement) {
  root.style.fontSize = level === 1 ? "" : `${Math.round(level * 100)}%`;
}
