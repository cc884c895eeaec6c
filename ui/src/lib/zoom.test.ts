import { describe, expect, it } from "vitest";
import { applyZoom, nextZoom, ZOOM_LEVELS } from "./zoom";

const key = (k: string, mods: Partial<KeyboardEvent> = { ctrlKey: true }) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe("zoom keys", () => {
  it("steps up and down through the levels and back to 100% with 0", () => {
    expect(nextZoom(key("+"), 1)).toBe(1.1);
    expect(nextZoom(key("="), 1.1)).toBe(1.25);
    expect(nextZoom(key("-"), 1)).toBe(0.9);
    expect(nextZoom(key("0"), 1.75)).toBe(1);
    expect(nextZoom(key("+", { metaKey: true }), 1)).toBe(1.1);
  });

  it("stops at the smallest and largest level", () => {
    expect(nextZoom(key("+"), 2)).toBe(2);
    expect(nextZoom(key("-"), ZOOM_LEVELS[0])).toBe(ZOOM_LEVELS[0]);
  });

  it("ignores keys without Ctrl or Cmd, and with Alt", () => {
    expect(nextZoom(key("+", {}), 1)).toBeNull();
    expect(nextZoom(key("+", { ctrlKey: true, altKey: true }), 1)).toBeNull();
    expect(nextZoom(key("a"), 1)).toBeNull();
  });

  it("sets the root font size, and clears it at 100%", () => {
    const root = document.createElement("html");
    applyZoom(1.5, root);
    expect(root.style.fontSize).toBe("150%");
    applyZoom(1, root);
    expect(root.style.fontSize).toBe("");
  });
});
